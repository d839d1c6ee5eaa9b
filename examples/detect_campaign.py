"""Detect a coordinated comment campaign and show the evidence.

Without arguments, simulates a Spamouflage-like campaign (three bot networks
hidden in an organic crowd, with organic look-alikes), runs ``botgraph.detect``,
prints the summary, the strongest clusters with the comments behind them, and
the evaluation against the simulator's ground truth, then writes the results
to ``botgraph-example-output/``.

With ``--csv PATH`` it analyses your own file instead (CSV, JSON Lines or
Parquet); map your column names with ``--column SOURCE=CANONICAL`` and give the
time zone of times without a UTC offset with ``--timezone``.

Examples::

    python examples/detect_campaign.py
    python examples/detect_campaign.py --n-organic 500 --days 5 --window 300
    python examples/detect_campaign.py --csv comments.csv --column user=account_id \\
        --column created=timestamp --timezone America/Toronto --drop-invalid
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import botgraph
from botgraph.export import write_gexf

TEXT_WIDTH = 90


def _column_pair(text: str) -> tuple[str, str]:
    source, sep, target = text.partition("=")
    if not sep or not source or not target:
        raise argparse.ArgumentTypeError(f"expected SOURCE=CANONICAL, got {text!r}")
    return source, target


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, help="analyse this file instead of simulated data")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("botgraph-example-output"),
        help="directory for the result files (default: %(default)s)",
    )
    parser.add_argument("--n-organic", type=int, default=2000, help="simulated organic accounts")
    parser.add_argument("--days", type=int, default=14, help="simulated days")
    parser.add_argument("--seed", type=int, default=1, help="seed of simulation and detection")
    parser.add_argument(
        "--window",
        type=float,
        nargs="+",
        help="co-action window(s) in seconds (default: the library's)",
    )
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        type=_column_pair,
        metavar="SOURCE=CANONICAL",
        help="map a column of --csv to a canonical field (repeatable)",
    )
    parser.add_argument("--timezone", help="IANA zone of --csv times without a UTC offset")
    parser.add_argument("--drop-invalid", action="store_true", help="set invalid rows aside")
    parser.add_argument("--top", type=int, default=3, help="clusters to show (default: 3)")
    return parser.parse_args(argv)


def one_line(text: str | None, width: int = TEXT_WIDTH) -> str:
    """Comment text on one line, cut to *width* characters."""
    if text is None:
        return "(no text)"
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def show_clusters(result: botgraph.Detection, top: int) -> None:
    for cluster in result.clusters[:top]:
        print()
        print(f"Cluster {cluster.id}: {cluster.size} accounts, score {cluster.score:.2f}")
        print(f"  {cluster.reason}")
        shown = ", ".join(cluster.members[:8])
        more = f" and {cluster.size - 8} more" if cluster.size > 8 else ""
        print(f"  members: {shown}{more}")
        print("  evidence:")
        for record in cluster.evidence[:6]:
            print(f"    {record.time}  {record.account_id}  on {record.target}")
            print(f"      {one_line(record.text)}")
    if len(result.clusters) > top:
        print(f"\n({len(result.clusters) - top} more clusters in clusters.csv)")


def write_truth(truth: botgraph.Truth, path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_id", "network", "trap"])
        for account in truth.accounts:
            writer.writerow([account, truth.network.get(account, ""), truth.trap.get(account, "")])
    return path


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    out: Path = args.output
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    truth: botgraph.Truth | None = None

    try:
        if args.csv is not None:
            print(f"Reading {args.csv}")
            records: Any = args.csv
        else:
            data = botgraph.simulate(n_organic=args.n_organic, days=args.days, rng=args.seed)
            truth = data.truth
            print(
                f"Simulated {len(data)} comments by {len(truth.accounts)} accounts, "
                f"{len(truth.network)} of them in {len(truth.networks)} bot networks"
            )
            written.append(data.to_csv(out / "simulated.csv"))
            written.append(write_truth(truth, out / "truth.csv"))
            records = data.records
        options: dict[str, Any] = {} if args.window is None else {"window": args.window}
        result = botgraph.detect(
            records,
            **options,
            columns=dict(args.column) or None,
            timezone=args.timezone,
            on_invalid="drop" if args.drop_invalid else "raise",
            rng=args.seed,
        )
    except (botgraph.BotgraphError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    print()
    print(result.summary())
    show_clusters(result, args.top)

    if truth is not None:
        evaluation = botgraph.evaluate(result, truth)
        print()
        print("Against the ground truth:")
        print(evaluation.summary())
        path = out / "evaluation.json"
        path.write_text(json.dumps(_json_safe(evaluation.as_dict()), indent=2), encoding="utf-8")
        written.append(path)

    written.extend(result.save(out))
    gexf = out / "network.gexf"
    write_gexf(result.to_networkx(), gexf)  # with node scores and clusters, for Gephi
    written.append(gexf)
    print()
    print("Wrote " + ", ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
