"""How long ``botgraph.ingest`` takes on the same records in each input format.

Usage::

    python benchmarks/ingest_formats.py [--size 1e6] [--repeats 3] [--seed 0] [--no-detect]
                                        [--no-docs]

The records are the speed benchmark's synthetic data (``benchmarks/_synthetic.py``,
generated and cached in ``benchmarks/.data`` on first use), written once per size
as:

- Parquet (the speed benchmark's file);
- CSV without quotes (epoch seconds; URLs and hashtags joined by spaces);
- CSV with every cell quoted (the same cells), as spreadsheet exports and
  ``csv.QUOTE_ALL`` write them;
- JSON Lines with ISO 8601 times (``2024-03-04T00:00:00+00:00``), lists as JSON
  arrays and missing values left out, as ``json.dumps`` writes them;
- a list of dicts in memory (the same objects ``json.loads`` gives), built before
  the clock starts.

Each measurement is one ``botgraph.ingest`` call in a fresh process (imports
done before the clock starts); the table gives the median over ``--repeats`` runs
and the process's peak RSS (for the list of dicts it includes the list itself).
Each format runs on the path ``ingest`` takes today and, where this changed, on
the paths it used to take, forced in the child process:

- ``json module, row-wise``: each JSON Lines line parsed with :func:`json.loads`,
  each record checked one value at a time (the path before 2026-11-29, and
  today's without pyarrow);
- ``json module, columnar``: the same parsing, then the columnar checks (the
  path of JSON Lines files that ``pyarrow.json`` cannot read exactly, such as
  files with float columns or nested objects);
- ``csv module``: quoted CSV read with :mod:`csv`, then the columnar checks (the
  path before 2026-11-29 and of files with irregular quoting);
- ``row-wise``: a list of dicts checked one value at a time.

A second table times ``botgraph.detect(path)`` with its defaults on the Parquet,
quoted CSV and JSON Lines files, and on JSON Lines by the path before 2026-11-29
(``--no-detect`` skips it; it takes about as long as the first table). Runs
alternate between paths so that the machine's drift touches all alike.
The Markdown table is printed and written into ``docs/benchmarks.md`` between
``<!-- ingest:start -->`` and ``<!-- ingest:end -->``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"
DOCS = ROOT / "docs" / "benchmarks.md"
MARK_START = "<!-- ingest:start -->"
MARK_END = "<!-- ingest:end -->"

#: format -> (label, the paths measured: (mode, label) with today's path first)
FORMATS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "parquet": ("Parquet", [("today", "pyarrow.parquet, columnar")]),
    "csv": ("CSV, no quotes", [("today", "pyarrow.csv, columnar")]),
    "csv-quoted": (
        "CSV, every cell quoted",
        [("today", "pyarrow.csv, columnar"), ("csv-module", "csv module, columnar")],
    ),
    "jsonl": (
        "JSON Lines",
        [
            ("today", "pyarrow.json, columnar"),
            ("json-columnar", "json module, columnar"),
            ("json-rowwise", "json module, row-wise"),
        ],
    ),
    "rows": (
        "list of dicts",
        [("today", "columnar"), ("rowwise", "row-wise")],
    ),
}


#: (format, mode) pairs timed with ``detect`` as well: today's paths, and JSON Lines
#: by the path it took before 2026-11-29.
DETECT = [("parquet", "today"), ("csv-quoted", "today"), ("jsonl", "today")]
DETECT += [("jsonl", "json-rowwise")]


# =============================================================== data


def _files(n: int, seed: int, directory: Path = DATA) -> dict[str, Path]:
    """Every format's file for *n* records in *directory*, written on first use."""
    sys.path.insert(0, str(HERE))
    import _synthetic
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    spec = _synthetic.SyntheticSpec(n_records=n, seed=seed)
    parquet, _ = _synthetic.cached_parquet(spec, directory)
    folder = directory / f"formats-{parquet.stem}"
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "parquet": parquet,
        "csv": folder / "records.csv",
        "csv-quoted": folder / "records-quoted.csv",
        "jsonl": folder / "records.jsonl",
        "rows": folder / "records.jsonl",
    }
    if all(path.exists() for path in files.values()):
        return files
    table = pq.read_table(parquet)
    cells = table
    for name in ("urls", "hashtags"):
        joined = pc.binary_join(table.column(name), " ")
        cells = cells.set_column(cells.schema.get_field_index(name), name, joined)
    for kind, style, quote in (("csv", "none", ""), ("csv-quoted", "all_valid", '"')):
        tmp = files[kind].with_suffix(".tmp")
        # pyarrow quotes the header whatever the style: it is written here.
        header = ",".join(f"{quote}{name}{quote}" for name in cells.column_names)
        with pa.OSFile(str(tmp), "wb") as out:
            out.write((header + "\n").encode("utf-8"))
            options = pacsv.WriteOptions(include_header=False, quoting_style=style)
            pacsv.write_csv(cells, out, write_options=options)
        tmp.replace(files[kind])
    stamps = pc.strftime(
        pc.cast(table.column("timestamp"), pa.timestamp("s", tz="UTC")),
        format="%Y-%m-%dT%H:%M:%S+00:00",
    )
    json_table = table.set_column(table.schema.get_field_index("timestamp"), "timestamp", stamps)
    tmp = files["jsonl"].with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        for batch in json_table.to_batches(100_000):
            for row in batch.to_pylist():
                present = {k: v for k, v in row.items() if v is not None}
                out.write(json.dumps(present, ensure_ascii=False) + "\n")
    tmp.replace(files["jsonl"])
    return files


# =============================================================== child


def _child(call: str, kind: str, mode: str, path: Path) -> None:
    """One ``ingest`` (or ``detect``) call on *path* by *mode*'s path; prints a JSON line."""
    sys.path.insert(0, str(ROOT / "src"))
    import botgraph

    module = importlib.import_module("botgraph.ingest")
    # Imports out of the clock, as for every format.
    importlib.import_module("pyarrow.csv")
    importlib.import_module("pyarrow.json")
    importlib.import_module("pyarrow.parquet")

    records: Any = path
    if kind == "rows":
        with open(path, encoding="utf-8") as lines:
            records = [json.loads(line) for line in lines]
    patches = {
        "today": [],
        "csv-module": [mock.patch.object(module, "_read_csv_arrow", return_value=None)],
        "json-columnar": [mock.patch.object(module, "_read_jsonl_arrow", return_value=None)],
        "json-rowwise": [
            mock.patch.object(module, "_read_jsonl_arrow", return_value=None),
            mock.patch.object(module, "_build_columnar", module._build),
        ],
        "rowwise": [mock.patch.object(module, "_build_columnar", module._build)],
    }[mode]
    for patch in patches:
        patch.start()
    start = time.perf_counter()
    if call == "detect":
        found = botgraph.detect(records)
        size = len(found.flagged)
    else:
        size = len(botgraph.ingest(records))
    seconds = time.perf_counter() - start
    for patch in patches:
        patch.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "records": size, "peak": peak}))


def _run_child(call: str, kind: str, mode: str, path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", call, kind, mode, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# =============================================================== report


def _versions() -> dict[str, str]:
    import numpy
    import pyarrow

    sys.path.insert(0, str(ROOT / "src"))
    import botgraph

    return {
        "botgraph": botgraph.__version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pyarrow": pyarrow.__version__,
    }


def _machine() -> str:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu
            )
    except OSError:
        pass
    return f"{platform.platform()}, {cpu}, {os.cpu_count()} CPUs"


def _rows(
    runs: dict[tuple[str, str, str], list[dict[str, Any]]], call: str, kind: str, mode: str
) -> str:
    label, modes = FORMATS[kind]
    done = runs[(call, kind, mode)]
    today = statistics.median(r["seconds"] for r in runs[(call, kind, "today")])
    median = statistics.median(r["seconds"] for r in done)
    each = ", ".join(f"{r['seconds']:.2f}" for r in done)
    peak = max(r["peak"] for r in done) / 2**30
    ratio = "–" if mode == "today" else f"{median / today:.1f}× slower"
    path_label = dict(modes)[mode]
    name = f"{path_label} (today)" if mode == "today" else path_label
    return f"| {label} | {name} | {median:.2f} | {each} | {peak:.2f} GiB | {ratio} |"


def render(n: int, repeats: int, runs: dict[tuple[str, str, str], list[dict[str, Any]]]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in _versions().items())
    header = [
        "| input | path | s (median) | runs | peak RSS | against today |",
        "| --- | --- | ---: | --- | ---: | ---: |",
    ]
    lines = [
        "## Ingest by input format",
        "",
        f"Measured on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with "
        f"`python benchmarks/ingest_formats.py --size {_size_text(n)} --repeats {repeats}` "
        f"({_machine()}; {versions}). One `botgraph.ingest` call on {n:,} synthetic "
        "records in a fresh process; median of the runs, alternating between paths; "
        "peak RSS of the process (for the list of dicts, the list included). "
        '"today" is the path `ingest` takes; the others are forced in the child to '
        "show the paths it took before 2026-11-29, or still takes for files "
        "`pyarrow` cannot read exactly (see `ingest`'s notes on speed).",
        "",
        *header,
    ]
    for kind, (_, modes) in FORMATS.items():
        lines += [_rows(runs, "ingest", kind, mode) for mode, _ in modes]
    if any(key[0] == "detect" for key in runs):
        lines += [
            "",
            f"`botgraph.detect(path)` with its defaults on the same files ({n:,} records), "
            "in the same run and the same way:",
            "",
            *header,
        ]
        lines += [_rows(runs, "detect", kind, mode) for kind, mode in DETECT]
    lines += [""]
    return "\n".join(lines)


def write_docs(section: str, path: Path) -> None:
    """Replace the text between the ingest markers of *path* (created when missing)."""
    sys.path.insert(0, str(HERE))
    from _docs import write_section

    write_section(section, path, MARK_START, MARK_END)


def _size_text(n: int) -> str:
    digits = str(n)
    return f"1e{len(digits) - 1}" if digits.strip("0") == "1" else str(n)


def _size(text: str) -> int:
    return int(float(text))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=_size, default=10**6, help="records (1e6)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per path (3)")
    parser.add_argument("--seed", type=int, default=0, help="synthetic data seed (0)")
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument(
        "--child", nargs=4, metavar=("CALL", "FORMAT", "MODE", "PATH"), help=argparse.SUPPRESS
    )
    parser.add_argument("--no-detect", action="store_true", help="do not time detect on the files")
    args = parser.parse_args(argv)
    if args.child:
        call, kind, mode, path = args.child
        _child(call, kind, mode, Path(path))
        return 0
    files = _files(args.size, args.seed)
    runs: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    plan = [("ingest", kind, mode) for kind, (_, modes) in FORMATS.items() for mode, _ in modes]
    plan += [] if args.no_detect else [("detect", kind, mode) for kind, mode in DETECT]
    for repeat in range(args.repeats):
        for call, kind, mode in plan:
            run = _run_child(call, kind, mode, files[kind])
            runs.setdefault((call, kind, mode), []).append(run)
            took = f"{run['seconds']:.2f} s"
            print(f"run {repeat + 1}: {call} {kind} by {mode}: {took}", flush=True)
    for call in ("ingest", "detect"):
        counts = {r["records"] for key, done in runs.items() if key[0] == call for r in done}
        if len(counts) > 1:
            raise SystemExit(f"{call} gave different counts across formats: {sorted(counts)}")
    section = render(args.size, args.repeats, runs)
    print(section)
    if not args.no_docs:
        write_docs(section, DOCS)
        print(f"wrote {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
