"""Awkward input through the whole pipeline: works, or fails with a clear message."""

from __future__ import annotations

from typing import Any

import pytest

import botgraph
from botgraph.errors import SchemaError

T0 = 1_780_000_000


def test_empty_input_is_a_clear_error() -> None:
    with pytest.raises(SchemaError, match="no records"):
        botgraph.detect([])


def test_one_account() -> None:
    rows = [{"account_id": "solo", "timestamp": T0 + i, "text": "same text"} for i in range(5)]
    result = botgraph.detect(rows)
    assert [(a.account_id, a.score, a.cluster_id) for a in result.accounts] == [("solo", 0.0, None)]
    assert result.clusters == ()


def test_one_key_for_everyone() -> None:
    rows = [
        {"account_id": f"a{i}", "timestamp": T0 + 86_400 * k + i, "text": "the same message"}
        for i in range(4)
        for k in range(5)
    ]
    result = botgraph.detect(rows)
    assert result.flagged == ("a0", "a1", "a2", "a3")
    assert all(a.score > 0 for a in result.accounts)


def test_duplicate_records_do_not_create_coordination() -> None:
    row = {"account_id": "a", "timestamp": T0, "text": "hello there friends"}
    result = botgraph.detect([dict(row) for _ in range(10)])
    assert len(result.network) == 0 and result.n_records == 10


def test_mixed_time_zones_are_one_clock() -> None:
    # the same instants written in three offsets co-act exactly
    rows: list[dict[str, Any]] = []
    for a, b, c in [
        ("2026-09-04T12:00:00+00:00", "2026-09-04T14:00:10+02:00", "2026-09-04T08:00:20-04:00"),
        ("2026-09-05T12:00:00Z", "2026-09-05T14:00:10+02:00", "2026-09-05T08:00:20-04:00"),
    ]:
        for acc, ts in zip("abc", (a, b, c), strict=True):
            rows.append({"account_id": acc, "timestamp": ts, "text": "synchronised text"})
    result = botgraph.detect(rows)
    assert result.flagged == ("a", "b", "c")
    assert sorted(result.network.min_dt.tolist()) == [10.0, 10.0, 20.0]


def test_huge_and_hostile_text() -> None:
    hostile = (
        "<script>alert('x')</script> \u202eevil\u202c \u200f\u200b RTL מרק "
        "\x00\x07 control " + "long " * 50_000
    )
    rows = [
        {"account_id": acc, "timestamp": T0 + 5 * i + 86_400 * k, "text": hostile + str(k)}
        for i, acc in enumerate("abc")
        for k in range(4)
    ]
    result = botgraph.detect(rows)
    assert result.flagged == ("a", "b", "c")
    evidence_text = result.clusters[0].evidence[0].text
    assert evidence_text is not None and evidence_text.startswith("<script>")


def test_invalid_rows_are_named_or_accounted() -> None:
    rows = [
        {"account_id": "a", "timestamp": T0, "text": "fine"},
        {"account_id": "b", "timestamp": "not a time", "text": "bad time"},
        {"account_id": "", "timestamp": T0, "text": "no account"},
    ]
    with pytest.raises(SchemaError, match=r"[Rr]ow 1.*timestamp.*not a time"):
        botgraph.detect(rows)
    result = botgraph.detect(rows, on_invalid="drop")
    assert [(r.row, r.column) for r in result.rejected] == [(1, "timestamp"), (2, "account_id")]
    assert result.n_records == 1
