"""Importing botgraph must not import any optional dependency."""

from __future__ import annotations

import subprocess
import sys


def test_import_pulls_no_optional_dependency() -> None:
    code = (
        "import sys, botgraph\n"
        "bad = [m for m in ('pandas', 'polars', 'pyarrow') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_exist() -> None:
    import botgraph

    for name in botgraph.__all__:
        assert hasattr(botgraph, name), name
