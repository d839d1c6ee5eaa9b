"""Command line: ``botgraph detect``, ``botgraph simulate``, ``botgraph demo``."""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from botgraph._version import __version__
from botgraph.detection import DEFAULT_WINDOWS, detect
from botgraph.errors import BotgraphError
from botgraph.evaluate import evaluate
from botgraph.simulate import Truth, simulate

__all__ = ["main"]


def _column_pair(text: str) -> tuple[str, str]:
    source, sep, target = text.partition("=")
    if not sep or not source or not target:
        raise argparse.ArgumentTypeError(
            f"--column takes SOURCE=CANONICAL, e.g. user=account_id; got {text!r}"
        )
    return source, target


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="botgraph",
        description="Find coordinated account networks in social-media comment data.",
    )
    p.add_argument("--version", action="version", version=f"botgraph {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv: debug)")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("detect", help="detect coordinated clusters in a CSV/JSONL/Parquet file")
    d.add_argument("path", help="input file (.csv, .csv.gz, .jsonl, .jsonl.gz, .parquet)")
    d.add_argument("-o", "--output", default="botgraph-output", help="output directory")
    d.add_argument("--layers", nargs="+", help="layers to analyse (default: all with data)")
    d.add_argument(
        "--window",
        type=float,
        nargs="+",
        default=list(DEFAULT_WINDOWS),
        help="co-action windows in seconds (default: %(default)s)",
    )
    d.add_argument("--alpha", type=float, default=0.05, help="false discovery rate of edges")
    d.add_argument("--method", default="leiden", choices=["leiden", "louvain", "components"])
    d.add_argument("--min-cluster-size", type=int, default=3)
    d.add_argument(
        "--column",
        action="append",
        default=[],
        type=_column_pair,
        metavar="SOURCE=CANONICAL",
        help="map an input column to a canonical field (repeatable)",
    )
    d.add_argument("--timezone", help="IANA zone for timestamps without offset")
    d.add_argument(
        "--drop-invalid",
        action="store_true",
        help="set invalid rows aside (counted) instead of failing",
    )
    d.add_argument("--seed", type=int, default=0, help="seed of community detection")
    d.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar on standard error (default: when it is a terminal)",
    )

    s = sub.add_parser("simulate", help="write a simulated campaign with ground truth")
    s.add_argument("-o", "--output", default="simulated.csv", help="output .csv or .jsonl")
    s.add_argument("--truth", help="also write the ground truth (account,network,trap) CSV")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--n-organic", type=int, default=2000)
    s.add_argument("--days", type=int, default=14)
    s.add_argument("--stealth", type=float, default=0.5)

    m = sub.add_parser("demo", help="simulate a campaign, detect it, print the evaluation")
    m.add_argument("-o", "--output", default="botgraph-demo", help="output directory")
    m.add_argument("--seed", type=int, default=0)
    return p


def _detect(args: argparse.Namespace) -> int:
    result = detect(
        args.path,
        layers=args.layers,
        window=args.window,
        alpha=args.alpha,
        method=args.method,
        min_cluster_size=args.min_cluster_size,
        columns=dict(args.column) or None,
        timezone=args.timezone,
        on_invalid="drop" if args.drop_invalid else "raise",
        rng=args.seed,
        progress=sys.stderr.isatty() if args.progress is None else args.progress,
    )
    written = result.save(args.output)
    print(result.summary())
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _write_truth(truth: Truth, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "network", "trap"])
        for acc in truth.accounts:
            w.writerow([acc, truth.network.get(acc, ""), truth.trap.get(acc, "")])


def _simulate(args: argparse.Namespace) -> int:
    data = simulate(n_organic=args.n_organic, days=args.days, stealth=args.stealth, rng=args.seed)
    out = Path(args.output)
    if out.suffix in {".jsonl", ".ndjson"}:
        data.to_jsonl(out)
    else:
        data.to_csv(out)
    if args.truth:
        _write_truth(data.truth, Path(args.truth))
    print(f"wrote {len(data)} records by {len(data.truth.accounts)} accounts to {out}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    data = simulate(rng=args.seed)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    data.to_csv(out / "simulated.csv")
    _write_truth(data.truth, out / "truth.csv")
    result = detect(data.records)
    written = result.save(out)
    print(
        f"Simulated {len(data)} comments by {len(data.truth.accounts)} accounts "
        f"({len(data.truth.network)} in {len(data.truth.networks)} bot networks)."
    )
    print(result.summary())
    print()
    print(evaluate(result, data.truth).summary())
    print(
        "wrote " + ", ".join(str(p) for p in [out / "simulated.csv", out / "truth.csv", *written])
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "detect":
            return _detect(args)
        if args.command == "simulate":
            return _simulate(args)
        return _demo(args)
    except (BotgraphError, OSError) as exc:
        print(f"botgraph: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
