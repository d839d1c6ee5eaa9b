"""Smoke tests of benchmarks/quality.py and benchmarks/_cnt.py on tiny data.

CNT is neither installed nor run here: only the pure helpers are tested (record
conversion to CNT's CSV, reading CNT's edge lists, the detection step, the
summaries and the Markdown section writer).
"""

from __future__ import annotations

import csv
import importlib
import math
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import botgraph
from botgraph.simulate import TRAP_KINDS, NetworkSpec, Truth

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str) -> ModuleType:
    """Import a benchmarks/ script as a module (quality.py imports its sibling _cnt)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def cnt() -> ModuleType:
    return _load("_cnt")


@pytest.fixture(scope="module")
def quality(cnt: ModuleType) -> ModuleType:
    return _load("quality")


def _record(i: int, account: str, seconds: int, **extra: object) -> dict[str, object]:
    when = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    return {
        "record_id": f"r{i}",
        "account_id": account,
        "timestamp": when.isoformat(),
        "text": f"text {i}",
        "post_id": "p1",
        "urls": [],
        **extra,
    }


# --------------------------------------------------------------------------- conversion


def test_cnt_rows_columns_and_semantics(cnt: ModuleType) -> None:
    rows = cnt.cnt_rows(
        [_record(1, "a", 0, urls=["https://x.example/1", "https://y.example"], post_id="p9")]
    )
    assert len(rows[0]) == len(cnt.CNT_COLUMNS) == 8
    row = dict(zip(cnt.CNT_COLUMNS, rows[0], strict=True))
    assert row["message_id"] == "r1"
    assert row["user_id"] == row["username"] == "a"
    assert row["repost_id"] == ""
    assert row["reply_id"] == "p9"  # a comment replies to its post
    assert row["timestamp"] == str(int(datetime(2026, 9, 1, tzinfo=UTC).timestamp()))
    assert row["urls"].split(" ") == ["https://x.example/1", "https://y.example"]


def test_cnt_rows_makes_message_ids_unique(cnt: ModuleType) -> None:
    records = [_record(1, "a", 0), _record(1, "b", 1), _record(1, "c", 2)]
    records.append({k: v for k, v in _record(9, "d", 3).items() if k != "record_id"})
    ids = [row[0] for row in cnt.cnt_rows(records)]
    assert ids == ["r1", "r1#2", "r1#3", "3"]
    assert len(set(ids)) == len(ids)


def test_cnt_rows_accepts_url_strings_and_missing_fields(cnt: ModuleType) -> None:
    rows = cnt.cnt_rows([{"account_id": 7, "timestamp": 12.5, "urls": " u1  u2 "}])
    assert rows[0] == ("0", "7", "7", "", "", "", "12", "u1 u2")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1970-01-01T00:00:10+00:00", 10),
        ("1970-01-01T02:00:10+02:00", 10),
        (10, 10),
        (10.99, 10),
        (datetime(1970, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))), 0),
    ],
)
def test_epoch_seconds(cnt: ModuleType, value: object, expected: int) -> None:
    assert cnt.epoch_seconds(value) == expected


@pytest.mark.parametrize("value", ["2026-09-01T00:00:00", datetime(2026, 9, 1), True, None])
def test_epoch_seconds_rejects_naive_or_odd_times(cnt: ModuleType, value: object) -> None:
    with pytest.raises(ValueError, match="Expected"):
        cnt.epoch_seconds(value)


@pytest.mark.parametrize("seed", [0, 5])
def test_write_cnt_csv_round_trips_as_cnt_reads_it(
    cnt: ModuleType, tmp_path: Path, seed: int
) -> None:
    data = botgraph.simulate(n_organic=60, n_targets=4, days=2, rng=seed)
    tricky = [
        _record(0, "x", 0, text='comma, "quote"\nnew line', urls=["https://a.example/?q=1,2"])
    ]
    records = [*data.records, *tricky]
    path = tmp_path / "cnt.csv"
    assert cnt.write_cnt_csv(records, path) == len(records)
    with open(path, encoding="utf-8") as handle:  # as CNT's preprocess_csv_files reads it
        reader = csv.reader(handle)
        assert tuple(next(reader)) == cnt.CNT_COLUMNS
        rows = [(*row[:-1], row[-1].split(" ")) for row in reader]
    assert len(rows) == len(records)
    for record, row in zip(records, rows, strict=True):
        assert row[1] == record["account_id"]
        assert row[4] == record["post_id"]
        assert row[5] == record["text"]
        assert int(row[6]) == cnt.epoch_seconds(record["timestamp"])
        assert [u for u in row[7] if u] == list(record["urls"])  # type: ignore[call-overload]


def test_read_gephi_csv(cnt: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)  # as CNT's output_gephi_csv
        writer.writerow(["source", "target", "weight", "edge_type"])
        writer.writerows([["a", "b", 3, "co_tweet"], ["b", "a", 1, "co_tweet"]])
    assert cnt.read_gephi_csv(path) == (("a", "b", 3), ("b", "a", 1))


# --------------------------------------------------------------------------- detection step


def test_undirected_union_threshold_direction_and_sum(cnt: ModuleType) -> None:
    networks = {
        "co_tweet": [("a", "b", 1), ("b", "a", 4), ("c", "c", 9), ("c", "d", 1)],
        "co_link": [("a", "b", 2), ("d", "e", 3)],
    }
    assert cnt.undirected_union(networks) == {("a", "b"): 6, ("c", "d"): 1, ("d", "e"): 3}
    assert cnt.undirected_union(networks, min_edge_weight=3) == {("a", "b"): 4, ("d", "e"): 3}


edges_strategy = st.lists(
    st.tuples(st.sampled_from("abcdef"), st.sampled_from("abcdef"), st.integers(1, 6)),
    max_size=30,
)


@settings(max_examples=50, deadline=None)
@given(edges=edges_strategy, weight=st.integers(1, 6))
def test_union_is_symmetric_and_monotone_in_weight(
    cnt: ModuleType, edges: list[tuple[str, str, int]], weight: int
) -> None:
    flipped = [(t, s, w) for s, t, w in edges]
    union = cnt.undirected_union({"n": edges}, min_edge_weight=weight)
    assert union == cnt.undirected_union({"n": flipped}, min_edge_weight=weight)
    stricter = cnt.undirected_union({"n": edges}, min_edge_weight=weight + 1)
    assert set(stricter) <= set(union)
    assert all(a < b and w >= weight for (a, b), w in union.items())


def test_connected_clusters_min_size_and_order(cnt: ModuleType) -> None:
    pairs = [("a", "b"), ("b", "c"), ("x", "y"), ("c", "d"), ("p", "q"), ("q", "r")]
    assert cnt.connected_clusters(pairs) == [("a", "b", "c", "d"), ("p", "q", "r")]
    assert cnt.connected_clusters(pairs, min_size=2)[-1] == ("x", "y")
    assert cnt.connected_clusters(pairs, min_size=5) == []


@settings(max_examples=50, deadline=None)
@given(edges=edges_strategy)
def test_clusters_are_disjoint_components(
    cnt: ModuleType, edges: list[tuple[str, str, int]]
) -> None:
    pairs = [(s, t) for s, t, _ in edges]
    clusters = cnt.connected_clusters(pairs, min_size=1)
    members = [m for c in clusters for m in c]
    assert len(members) == len(set(members)) == len({x for p in pairs for x in p})
    where = {m: i for i, c in enumerate(clusters) for m in c}
    assert all(where[s] == where[t] for s, t in pairs)


def test_weighted_degree_scores(cnt: ModuleType) -> None:
    scores = cnt.weighted_degree_scores({("a", "b"): 3, ("b", "c"): 1}, ["a", "b", "c", "z"])
    assert scores == {"a": 0.75, "b": 1.0, "c": 0.25, "z": 0.0}
    assert cnt.weighted_degree_scores({}, ["a"]) == {"a": 0.0}


def _truth() -> Truth:
    spec = NetworkSpec("net", 3, "new", 10.0, 0.0, 0.0, 0.0, 1)
    return Truth(
        accounts=("a", "b", "c", "d", "e", "f", "g"),
        network={"a": "net", "b": "net", "c": "net"},
        trap={"e": "superfan", "f": "superfan", "g": "superfan"},
        networks=(spec,),
    )


def test_cnt_detection_is_evaluable(cnt: ModuleType) -> None:
    networks = {
        "co_tweet": [("a", "b", 5), ("b", "c", 4)],
        "co_reply": [("e", "f", 1), ("f", "g", 1), ("c", "e", 1)],
    }
    truth = _truth()
    loose = cnt.cnt_detection(networks, truth.accounts, min_edge_weight=1)
    assert [c.members for c in loose.clusters] == [("a", "b", "c", "e", "f", "g")]
    assert {a.account_id for a in loose.accounts} == set(truth.accounts)
    strict = cnt.cnt_detection(networks, truth.accounts, min_edge_weight=2)
    assert [c.members for c in strict.clusters] == [("a", "b", "c")]
    assert strict.n_edges == 2
    ev_loose = botgraph.evaluate(loose, truth)
    ev_strict = botgraph.evaluate(strict, truth)
    assert ev_loose.recall == ev_strict.recall == 1.0
    assert ev_loose.traps_flagged["superfan"] == 3
    assert ev_strict.precision == 1.0 > ev_loose.precision
    assert ev_strict.auc == 1.0  # d, e, f, g score 0; a, b, c above
    bigger = cnt.cnt_detection(networks, truth.accounts, min_edge_weight=2, min_size=4)
    assert bigger.clusters == ()


# --------------------------------------------------------------------------- summaries and report


def _result(quality: ModuleType, tool: str, seed: int, f1: float, **kw: object) -> object:
    fields: dict[str, object] = {
        "tool": tool,
        "stealth": 0.5,
        "seed": seed,
        "config": "defaults",
        "precision": f1,
        "recall": f1,
        "f1": f1,
        "auc": 0.9,
        "ari": 0.8,
        "recall_per_network": {"loud": 1.0, "hijacked": f1, "stealthy": math.nan},
        "traps_flagged": dict.fromkeys(TRAP_KINDS, seed),
        "n_flagged": 10 + seed,
        "n_coordinated": 65,
        "seconds": 1.0 + seed,
    }
    fields.update(kw)
    return quality.Result(**fields)


def test_summarise_median_min_and_trap_max(quality: ModuleType) -> None:
    rows = [_result(quality, "botgraph", s, f) for s, f in [(0, 0.9), (1, 0.5), (2, 0.7)]]
    rows.append(_result(quality, "cnt-grid", 0, 0.1))  # grid rows are not summarised
    (summary,) = quality.summarise(rows)
    assert summary["tool"] == "botgraph"
    assert summary["n_seeds"] == 3
    assert summary["f1_median"] == pytest.approx(0.7)
    assert summary["f1_min"] == pytest.approx(0.5)
    assert math.isnan(summary["recall_stealthy_median"])
    assert summary["trap_superfan_max"] == 2
    assert summary["seconds_max"] == 3.0


def test_choose_oracle_uses_median_then_minimum(quality: ModuleType) -> None:
    grid = [
        _result(quality, "cnt-grid", 0, 0.2, config="tw=10 w>=1"),
        _result(quality, "cnt-grid", 1, 0.6, config="tw=10 w>=1"),
        _result(quality, "cnt-grid", 0, 0.4, config="tw=60 w>=2"),
        _result(quality, "cnt-grid", 1, 0.4, config="tw=60 w>=2"),
        _result(quality, "cnt-grid", 0, 0.9, config="tw=60 w>=3", stealth=1.0),
    ]
    assert quality.choose_oracle(grid) == {0.5: "tw=60 w>=2", 1.0: "tw=60 w>=3"}


def test_render_report_tables(quality: ModuleType) -> None:
    rows = [_result(quality, "botgraph", s, 0.9) for s in range(2)]
    rows += [_result(quality, "cnt-readme", s, 0.2, config="tw=60 w>=2") for s in range(2)]
    grid = [
        _result(
            quality,
            "cnt-grid",
            s,
            0.3,
            config=f"tw=60 w>={w}",
            extra={"time_window": 60, "min_edge_weight": w},
        )
        for s in range(2)
        for w in (1, 2)
    ]
    meta = {
        "date": "2026-01-01 00:00 UTC",
        "command": "python benchmarks/quality.py --seeds 2",
        "seeds": "0..1",
        "stealth": [0.5],
        "platform": "Linux",
        "cpu": "cpu",
        "cpu_count": 2,
        "python": "3.11",
        "numpy": "2",
        "botgraph": "0.1.0",
        "cnt": "1.5.2",
    }
    report = quality.render_report(rows, meta, grid=grid, oracle={0.5: "tw=60 w>=2"})
    assert "| 0.5 | botgraph | defaults | 0.900 (0.900) |" in report
    assert "| 0.5 | cnt-readme | tw=60 w>=2 | 0.200 (0.200) |" in report
    assert "| 60 s | 0.30 | **0.30** |" in report
    assert "coordination-network-toolkit 1.5.2" in report
    assert quality.START_MARKER not in report and ">>>" not in report
    assert "CNT not run" in quality.render_report(rows[:2], {**meta, "cnt": None})


# --------------------------------------------------------------------------- doc section


def test_replace_section_only_between_markers(quality: ModuleType) -> None:
    start, end = quality.START_MARKER, quality.END_MARKER
    doc = f"# Benchmarks\n\nintro\n{start}\nold\n{end}\n\n<!-- speed:start -->\nkeep\n"
    new = quality.replace_section(doc, "fresh\n")
    assert new == f"# Benchmarks\n\nintro\n{start}\nfresh\n{end}\n\n<!-- speed:start -->\nkeep\n"
    assert quality.replace_section(new, "fresh") == new


@pytest.mark.parametrize("which", ["start", "end", "reversed"])
def test_replace_section_rejects_broken_markers(quality: ModuleType, which: str) -> None:
    start, end = quality.START_MARKER, quality.END_MARKER
    doc = {"start": f"{start}\nx\n", "end": f"x\n{end}\n", "reversed": f"{end}\n{start}\n"}[which]
    with pytest.raises(ValueError, match="Expected '<!-- quality:start -->' before"):
        quality.replace_section(doc, "new")


def test_write_section_creates_and_updates(quality: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "docs" / "benchmarks.md"
    quality.write_section(path, "first")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n")
    assert f"{quality.START_MARKER}\nfirst\n{quality.END_MARKER}\n" in text
    path.write_text(text + "\n## Speed\nother script\n", encoding="utf-8")
    quality.write_section(path, "second")
    text = path.read_text(encoding="utf-8")
    assert "first" not in text and "second" in text and text.endswith("## Speed\nother script\n")


@pytest.mark.parametrize(
    ("argv", "seeds", "stealth", "write"),
    [
        ([], 5, [0.0, 0.5, 1.0], True),
        (["--quick"], 2, [0.5], False),
        (["--quick", "--output", "x.md"], 2, [0.5], True),
        (["--seeds", "3", "--stealth", "1", "--no-write"], 3, [1.0], False),
    ],
)
def test_parse_arguments(
    quality: ModuleType, argv: list[str], seeds: int, stealth: list[float], write: bool
) -> None:
    args = quality._parse(argv)
    assert (args.seeds, args.stealth, args.write) == (seeds, stealth, write)


def test_parse_rejects_bad_stealth(quality: ModuleType) -> None:
    with pytest.raises(SystemExit):
        quality._parse(["--stealth", "2"])


def test_run_botgraph_row(quality: ModuleType) -> None:
    data = botgraph.simulate(n_organic=80, n_targets=5, days=3, rng=2)
    row = quality.run_botgraph(data, stealth=0.5, seed=2)
    assert row.tool == "botgraph" and row.seed == 2 and row.seconds > 0
    assert set(row.recall_per_network) == {"loud", "hijacked", "stealthy"}
    assert set(row.traps_flagged) == set(TRAP_KINDS)
    assert 0.0 <= row.f1 <= 1.0
