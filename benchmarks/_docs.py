"""The benchmark scripts' shared writer of ``docs/benchmarks.md``.

Each script owns one section of the file, between its own start and end markers
(``<!-- speed:start -->`` ... ``<!-- speed:end -->``), and rewrites only that.
"""

from __future__ import annotations

from pathlib import Path


def write_section(section: str, path: Path, start: str, end: str) -> None:
    """Put *section* between the markers *start* and *end* of *path*.

    The text between the markers is replaced; without the markers the marked section
    is appended; a missing file is created with a "Benchmarks" title.
    """
    block = f"{start}\n{section}{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
