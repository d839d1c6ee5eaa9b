"""Generate docs/api.md from the docstrings of botgraph's public names.

Run ``python docs/gen_api.py`` after changing a public docstring; a test fails
while docs/api.md is out of date.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import botgraph

HEADER = """# API reference

Generated from the docstrings by `python docs/gen_api.py`; do not edit by hand.
Every name below is importable from `botgraph`.
"""


def _signature(obj: object) -> str:
    try:
        return str(inspect.signature(obj))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""


def render() -> str:
    """Return the Markdown text of the API reference."""
    parts = [HEADER]
    functions = []
    classes = []
    for name in sorted(botgraph.__all__, key=str.lower):
        if name.startswith("_"):
            continue
        obj = getattr(botgraph, name)
        (classes if inspect.isclass(obj) else functions).append((name, obj))
    parts.append("\n## Functions\n")
    for name, obj in functions:
        doc = inspect.getdoc(obj) or ""
        parts.append(f"\n### `botgraph.{name}{_signature(obj)}`\n\n```text\n{doc}\n```\n")
    parts.append("\n## Classes\n")
    for name, obj in classes:
        doc = inspect.getdoc(obj) or ""
        parts.append(f"\n### `botgraph.{name}`\n\n```text\n{doc}\n```\n")
        for meth_name, meth in inspect.getmembers(obj):
            if meth_name.startswith("_") or not (
                inspect.isfunction(meth) or isinstance(meth, property)
            ):
                continue
            mdoc = inspect.getdoc(meth) or ""
            if not mdoc:
                continue
            sig = "" if isinstance(meth, property) else _signature(meth)
            first = mdoc.split("\n\n", 1)[0].replace("\n", " ")
            parts.append(f"- `{name}.{meth_name}{sig}`: {first}\n")
    return "".join(parts)


def main() -> int:
    target = Path(__file__).with_name("api.md")
    target.write_text(render(), encoding="utf-8")
    sys.stderr.write(f"wrote {target.name}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
