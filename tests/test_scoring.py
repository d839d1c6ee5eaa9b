"""Cluster descriptors."""

from __future__ import annotations

import numpy as np
import pytest

import botgraph
from botgraph.scoring import _created_within_week, _office_hours, _shares

HOUR = 3600.0


@pytest.mark.parametrize("offset", [-5, 0, 3, 8])
def test_office_hours_finds_the_offset(offset: int) -> None:
    rng = np.random.default_rng(offset + 20)
    local = rng.uniform(9.5, 17.5, 500) * HOUR + 86_400 * rng.integers(0, 10, 500)
    offset_found, share = _office_hours(local - offset * HOUR)
    assert offset_found is not None
    assert abs(offset_found - offset) <= 1
    assert share > 0.95


def test_office_hours_empty() -> None:
    assert _office_hours(np.zeros(0))[0] is None


def test_created_within_week() -> None:
    day = 86_400.0
    created = np.array([0, 1, 2, 3, 100, 200, np.nan]) * day
    assert _created_within_week(created) == pytest.approx(4 / 7)
    assert np.isnan(_created_within_week(np.array([np.nan, np.nan])))


def test_shares() -> None:
    vals = np.array(["en", "fr", "en", None], dtype=object)
    assert _shares(vals) == {"en": 0.5, "fr": 0.25}
    assert _shares(None) == {}


@pytest.mark.parametrize("seed", [5, 6])
def test_simulated_networks_are_described(seed: int) -> None:
    data = botgraph.simulate(rng=seed)
    result = botgraph.detect(data.records)
    truth = data.truth.network
    for cluster in result.clusters:
        names = {truth.get(m) for m in cluster.members}
        assert len(names) == 1 and None not in names
        # every simulated operator works office hours in UTC+8
        assert cluster.utc_offset is not None and abs(cluster.utc_offset - 8) <= 1
        assert cluster.office_hours_share > 0.8
        assert set(cluster.languages) == {"en", "fr"}
        assert abs(sum(cluster.languages.values()) - 1) < 1e-9
        assert 0 < cluster.median_q <= result.network.alpha
        assert 0.0 <= cluster.duplication <= 1.0
        kind = data.truth.networks[[n.name for n in data.truth.networks].index(names.pop())].kind
        if kind == "new":
            assert cluster.created_within_week >= 0.9
        assert "office hours at UTC+" in cluster.reason
    table = result.table("clusters")
    assert table["utc_offset"] == [c.utc_offset for c in result.clusters]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_positions_map_each_wanted_id_to_its_last_row(seed: int) -> None:
    from botgraph.scoring import _positions

    rng = np.random.default_rng(seed)
    ids = [f"r{int(x)}" for x in rng.integers(0, 30, 60)]  # repeated ids included
    recs = botgraph.ingest(
        [
            {"account_id": f"a{i % 7}", "timestamp": i, "text": "t", "record_id": rid}
            for i, rid in enumerate(ids)
        ]
    )
    wanted = {f"r{int(x)}" for x in rng.integers(0, 40, 12)}  # some never occur
    expected = {rid: i for i, rid in enumerate(ids) if rid in wanted}
    assert _positions(recs, wanted) == expected
    assert _positions(recs, set()) == {}
