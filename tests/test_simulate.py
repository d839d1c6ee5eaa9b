"""Tests of the campaign simulator: determinism, parameters, ground truth, traps, export."""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botgraph.errors import ParameterError
from botgraph.simulate import (
    RECORD_FIELDS,
    TRAP_KINDS,
    NetworkSpec,
    SimulatedData,
    Truth,
    default_networks,
    simulate,
)

SMALL: dict[str, Any] = {"n_organic": 200, "n_targets": 12, "days": 5}
LONG_WEEKEND = {date(2026, 9, 4), date(2026, 9, 5), date(2026, 9, 6), date(2026, 9, 7)}


@pytest.fixture(scope="module")
def default_data() -> SimulatedData:
    return simulate(rng=11)


def _when(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["timestamp"])


def _spec(name: str = "net", **changes: Any) -> NetworkSpec:
    fields: dict[str, Any] = {
        "n_accounts": 12,
        "kind": "new",
        "jitter": 30.0,
        "variation": 0.0,
        "camouflage": 0.0,
        "translate": 0.0,
        "n_templates": 2,
        "waves_per_day": 2.0,
        "targets_per_wave": 3,
        "participation": 0.7,
    }
    fields.update(changes)
    return NetworkSpec(name, **fields)


def _records_of(data: SimulatedData, network: str) -> list[dict[str, Any]]:
    return [r for r in data.records if data.truth.network.get(r["account_id"]) == network]


def _neighbour_gap(records: list[dict[str, Any]]) -> float:
    """Median time to the nearest other record on the same post (seconds)."""
    by_post: dict[str, list[float]] = defaultdict(list)
    for r in records:
        by_post[r["post_id"]].append(_when(r).timestamp())
    gaps = []
    for times in by_post.values():
        if len(times) < 2:
            continue
        t = np.sort(np.array(times))
        d = np.diff(t)
        gaps.extend(np.minimum(np.r_[np.inf, d], np.r_[d, np.inf]).tolist())
    return float(np.median(gaps))


def _distinct_share(records: list[dict[str, Any]]) -> float:
    return len({r["text"] for r in records}) / len(records)


def _token_overlap(records: list[dict[str, Any]]) -> float:
    """Mean word-set Jaccard similarity of consecutive records on the same post."""
    by_post: dict[str, list[set[str]]] = defaultdict(list)
    for r in records:
        by_post[r["post_id"]].append(set(re.findall(r"\w+", r["text"].lower())))
    pairs = [len(a & b) / len(a | b) for v in by_post.values() for a, b in itertools.pairwise(v)]
    return float(np.mean(pairs))


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_same_seed_same_output(seed: int) -> None:
    a = simulate(**SMALL, rng=seed)
    b = simulate(**SMALL, rng=seed)
    assert a.records == b.records
    assert a.truth == b.truth


def test_generator_seed_matches_int_seed() -> None:
    a = simulate(**SMALL, rng=np.random.default_rng(4))
    b = simulate(**SMALL, rng=np.random.default_rng(4))
    assert a.records == b.records
    assert a.parameters["seed"] is None


def test_different_seeds_differ() -> None:
    a = simulate(**SMALL, rng=1)
    b = simulate(**SMALL, rng=2)
    assert a.records != b.records
    assert set(a.truth.network) != set(b.truth.network)


def test_unseeded_runs_differ() -> None:
    assert simulate(**SMALL).records != simulate(**SMALL).records


# --------------------------------------------------------------------------- parameters


def test_n_organic_changes_number_of_organic_accounts() -> None:
    counts = []
    for n in (100, 300):
        data = simulate(n_organic=n, n_targets=10, days=5, rng=3)
        counts.append(len(data.truth.accounts) - len(data.truth.network))
    assert counts == [100, 300]


def test_n_targets_changes_targets() -> None:
    for n in (3, 25):
        data = simulate(n_organic=150, n_targets=n, days=5, rng=3)
        targets = {r["target_id"] for r in data.records}
        assert targets <= {f"mp_{m:03d}" for m in range(n)}
        assert len(targets) > n // 2


def test_days_changes_period() -> None:
    for days in (2, 9):
        data = simulate(n_organic=100, n_targets=8, days=days, rng=3)
        start = datetime.fromisoformat(data.parameters["start"])
        end = datetime.fromisoformat(data.parameters["end"])
        assert end - start == timedelta(days=days)
        times = [_when(r) for r in data.records]
        assert start <= min(times) and max(times) < end
        assert max(times) - min(times) > timedelta(days=days - 1)


def test_period_ends_after_long_weekend() -> None:
    data = simulate(**SMALL, rng=0)
    assert data.parameters["end"] == "2026-09-09T04:00:00+00:00"
    dates = {(_when(r) - timedelta(hours=4)).date() for r in data.records}
    assert dates >= LONG_WEEKEND


def test_stealth_sets_default_networks() -> None:
    a = simulate(**SMALL, stealth=0.0, rng=5)
    b = simulate(**SMALL, stealth=1.0, rng=5)
    assert a.truth.networks == default_networks(0.0)
    assert b.truth.networks == default_networks(1.0)
    assert a.parameters["stealth"] == 0.0
    assert simulate(**SMALL, rng=5).parameters["stealth"] == 0.5


@pytest.mark.parametrize("seed", [0, 7])
def test_stealth_increases_jitter_and_variation_in_data(seed: int) -> None:
    blatant = simulate(n_organic=200, n_targets=12, days=14, stealth=0.0, rng=seed)
    hidden = simulate(n_organic=200, n_targets=12, days=14, stealth=1.0, rng=seed)
    for name in ("loud", "hijacked"):
        low, high = _records_of(blatant, name), _records_of(hidden, name)
        assert _neighbour_gap(high) > 3 * _neighbour_gap(low)
        assert _token_overlap(high) < _token_overlap(low) - 0.2
    assert _distinct_share(_records_of(blatant, "loud")) < 0.1


def test_default_networks_scale_with_stealth() -> None:
    low, mid, high = default_networks(0.0), default_networks(0.5), default_networks(1.0)
    for a, b, c in zip(low, mid, high, strict=True):
        assert a.name == b.name == c.name
        assert a.jitter < b.jitter < c.jitter
        assert a.variation < b.variation < c.variation
        assert a.camouflage < b.camouflage < c.camouflage
    assert [n.name for n in mid] == ["loud", "hijacked", "stealthy"]
    # Increasing stealth from network to network.
    assert mid[0].jitter < mid[1].jitter < mid[2].jitter
    assert mid[0].variation < mid[1].variation < mid[2].variation


def test_networks_replace_defaults() -> None:
    data = simulate(**SMALL, networks=[_spec("alpha"), _spec("beta", n_accounts=3)], rng=2)
    assert set(data.truth.network.values()) == {"alpha", "beta"}
    assert Counter(data.truth.network.values()) == {"alpha": 12, "beta": 3}
    assert data.parameters["stealth"] is None


def test_no_networks_means_organic_only() -> None:
    data = simulate(**SMALL, networks=(), rng=2)
    assert data.truth.network == {}
    assert data.truth.networks == ()
    assert len(data) > 0


def test_traps_flag() -> None:
    with_traps = simulate(**SMALL, rng=6)
    without = simulate(**SMALL, traps=False, rng=6)
    assert set(with_traps.truth.trap.values()) == set(TRAP_KINDS)
    assert without.truth.trap == {}
    assert len(with_traps) > len(without)


def test_traps_false_allows_small_crowd() -> None:
    data = simulate(n_organic=5, n_targets=3, days=2, traps=False, rng=0)
    assert len(data.truth.accounts) == 5 + sum(n.n_accounts for n in default_networks())


# --------------------------------------------------------------------------- network specs


def test_variation_zero_gives_identical_copies() -> None:
    flat = simulate(**SMALL, networks=[_spec(n_templates=2)], rng=8)
    texts = {r["text"].split(" ", 1)[1] if r["text"].startswith("@") else r["text"]
             for r in _records_of(flat, "net")}  # fmt: skip
    assert len(texts) <= 2 * 2  # two templates, two languages
    varied = simulate(**SMALL, networks=[_spec(n_templates=2, variation=1.0)], rng=8)
    assert _distinct_share(_records_of(varied, "net")) > 0.8


def test_n_templates_changes_messages() -> None:
    counts = []
    for k in (1, 6):
        data = simulate(**SMALL, networks=[_spec(n_templates=k)], rng=8)
        counts.append(len({r["text"][:40] for r in _records_of(data, "net")}))
    assert counts[0] < counts[1]


def test_translate_flips_language() -> None:
    langs = []
    for p in (0.0, 1.0):
        data = simulate(**SMALL, networks=[_spec(translate=p)], rng=9)
        per_target = defaultdict(set)
        for r in _records_of(data, "net"):
            per_target[r["target_id"]].add(r["lang"])
        assert all(len(v) == 1 for v in per_target.values())
        langs.append({t: v.pop() for t, v in per_target.items()})
    common = set(langs[0]) & set(langs[1])
    assert common
    assert all(langs[0][t] != langs[1][t] for t in common)


def test_jitter_spreads_waves() -> None:
    tight = simulate(**SMALL, networks=[_spec(jitter=5.0)], rng=10)
    loose = simulate(**SMALL, networks=[_spec(jitter=1800.0)], rng=10)
    assert _neighbour_gap(_records_of(loose, "net")) > 5 * _neighbour_gap(_records_of(tight, "net"))


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("camouflage", 0.0, 0.8),
        ("waves_per_day", 0.5, 4.0),
        ("participation", 0.2, 1.0),
        ("targets_per_wave", 1, 6),
        ("n_accounts", 4, 20),
    ],
)
def test_spec_fields_change_volume(field: str, low: float, high: float) -> None:
    sizes = [
        len(_records_of(simulate(**SMALL, networks=[_spec(**{field: v})], rng=12), "net"))
        for v in (low, high)
    ]
    assert sizes[0] < sizes[1]


def test_camouflage_posts_organic_looking_text() -> None:
    data = simulate(**SMALL, networks=[_spec(camouflage=0.8, n_templates=1)], rng=13)
    texts = [r["text"] for r in _records_of(data, "net")]
    assert sum("Northern" in t or "NORTHERN" in t for t in texts) < 0.5 * len(texts)


def test_account_kinds_set_creation_dates() -> None:
    data = simulate(
        **SMALL, networks=[_spec("fresh"), _spec("old", kind="hijacked", n_accounts=8)], rng=14
    )
    start = datetime.fromisoformat(data.parameters["start"])
    created: dict[str, datetime] = {}
    first: dict[str, datetime] = {}
    for r in data.records:
        created[r["account_id"]] = datetime.fromisoformat(r["account_created_at"])
        first.setdefault(r["account_id"], _when(r))
    fresh = [created[a] for a, n in data.truth.network.items() if n == "fresh"]
    old = [created[a] for a, n in data.truth.network.items() if n == "old"]
    assert max(fresh) - min(fresh) <= timedelta(days=3)
    assert start - timedelta(days=25) < min(fresh) and max(fresh) < start
    assert max(old) < datetime.fromisoformat("2022-01-01T00:00:00+00:00")
    assert all(created[a] < first[a] for a in created)


def test_hijacked_accounts_have_organic_history() -> None:
    data = simulate(n_organic=100, n_targets=10, days=14, rng=15)
    hijacked = {a for a, n in data.truth.network.items() if n == "hijacked"}
    first_text = {}
    for r in data.records:
        if r["account_id"] in hijacked:
            first_text.setdefault(r["account_id"], r["text"])
    # Their first comments are organic: the campaign's critic is never mentioned.
    assert sum("Lantern" not in t and "LANTERN" not in t for t in first_text.values()) >= 15


# --------------------------------------------------------------------------- world shape


def test_waves_follow_operator_office_hours() -> None:
    data = simulate(n_organic=100, n_targets=15, days=10, stealth=0.0, rng=16)
    hours = [_when(r).hour for r in _records_of(data, "loud")]
    # UTC+8 09:00-18:00 is 01:00-10:00 UTC; allow a few minutes of spill past 10:00.
    inside = sum(1 <= h <= 10 for h in hours)
    assert inside / len(hours) > 0.97


def test_waves_accelerate_over_long_weekend() -> None:
    weekend, other = 0, 0
    for seed in (0, 1, 2):
        data = simulate(n_organic=100, n_targets=15, days=14, stealth=0.0, rng=seed)
        for r in _records_of(data, "loud"):
            if (_when(r) + timedelta(hours=8)).date() in LONG_WEEKEND:
                weekend += 1
            else:
                other += 1
    # 4 boosted days against 10 ordinary ones: per day, at least 1.5 times as many comments.
    assert (weekend / 4) > 1.5 * (other / 10)


def test_organic_activity_is_diurnal_and_heavy_tailed(default_data: SimulatedData) -> None:
    truth = default_data.truth
    organic = [r for r in default_data.records if r["account_id"] not in truth.network]
    night = sum(0 <= (_when(r) - timedelta(hours=4)).hour < 6 for r in organic)
    assert night / len(organic) < 0.05
    per_account = np.array(list(Counter(r["account_id"] for r in organic).values()))
    assert np.median(per_account) <= 5
    assert per_account.max() >= 100
    langs = Counter(r["lang"] for r in organic)
    assert 0.15 < langs["fr"] / len(organic) < 0.35


def test_default_size(default_data: SimulatedData) -> None:
    assert 20_000 <= len(default_data) <= 40_000
    assert len(default_data.truth.network) == 65


def test_organic_texts_rarely_coincide(default_data: SimulatedData) -> None:
    truth = default_data.truth
    base = [
        r["text"]
        for r in default_data.records
        if r["account_id"] not in truth.network and r["account_id"] not in truth.trap
    ]
    repeated = sum(c for c in Counter(base).values() if c > 1)
    assert repeated / len(base) < 0.05


# --------------------------------------------------------------------------- ground truth


@pytest.mark.parametrize("seed", [0, 3])
def test_truth_consistent_with_records(seed: int) -> None:
    data = simulate(**SMALL, rng=seed)
    truth = data.truth
    posting = {r["account_id"] for r in data.records}
    assert set(truth.accounts) == posting
    assert list(truth.accounts) == sorted(truth.accounts)
    assert set(truth.network) <= posting
    assert not set(truth.network) & set(truth.trap)
    assert set(truth.network.values()) == {n.name for n in truth.networks}
    labels = truth.labels()
    assert set(labels) == posting
    assert all(truth.is_coordinated(a) == (labels[a] is not None) for a in posting)
    assert not truth.is_coordinated("nobody")


def _check_records(data: SimulatedData) -> None:
    ids = [r["record_id"] for r in data.records]
    assert len(set(ids)) == len(ids)
    times = [_when(r) for r in data.records]
    assert times == sorted(times)
    for r in data.records:
        assert tuple(r) == RECORD_FIELDS
        for key in ("timestamp", "account_created_at"):
            parsed = datetime.fromisoformat(r[key])
            assert parsed.utcoffset() == timedelta(0)
            assert r[key].endswith("+00:00")
        assert r["post_id"].startswith(r["target_id"] + "/p")
        assert r["platform"] in {"facebook", "x"}
        assert r["lang"] in {"en", "fr"}
        for tag in r["hashtags"]:
            assert not tag.startswith("#") and f"#{tag}" in r["text"]
        for handle in r["mentions"]:
            assert not handle.startswith("@") and f"@{handle}" in r["text"]
        for url in r["urls"]:
            assert url in r["text"]


def test_records_well_formed(default_data: SimulatedData) -> None:
    _check_records(default_data)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), days=st.integers(1, 6), n_targets=st.integers(1, 6))
def test_invariants_hold_for_any_seed(seed: int, days: int, n_targets: int) -> None:
    data = simulate(n_organic=60, n_targets=n_targets, days=days, rng=seed)
    _check_records(data)
    posting = {r["account_id"] for r in data.records}
    assert set(data.truth.accounts) == posting
    assert set(data.truth.trap.values()) == set(TRAP_KINDS)
    assert set(data.truth.network.values()) == {"loud", "hijacked", "stealthy"}


# --------------------------------------------------------------------------- traps


def _trap_records(data: SimulatedData, kind: str) -> list[dict[str, Any]]:
    return [r for r in data.records if data.truth.trap.get(r["account_id"]) == kind]


def test_popular_phrases_are_short_and_shared(default_data: SimulatedData) -> None:
    texts = Counter(r["text"] for r in _trap_records(default_data, "popular_phrase"))
    phrase, count = texts.most_common(1)[0]
    assert len(phrase) <= 20 and count >= 20
    assert "Thank you!" in texts or "Merci!" in texts


def test_advocacy_letter_copied_verbatim_over_days(default_data: SimulatedData) -> None:
    letter = [r for r in default_data.records if "Harbour" in r["text"]]
    senders = {r["account_id"] for r in letter}
    assert len(senders) >= 90
    assert len({r["text"] for r in letter}) == 2  # one English, one French text
    times = sorted(_when(r) for r in letter)
    assert times[-1] - times[0] >= timedelta(days=3)
    assert all(default_data.truth.trap.get(a) for a in senders)
    assert not senders & set(default_data.truth.network)


def test_viral_posts_get_hundreds_of_quick_comments(default_data: SimulatedData) -> None:
    quick: Counter[str] = Counter()
    posted: dict[str, datetime] = {}
    for r in default_data.records:
        posted.setdefault(r["post_id"], _when(r))
    for r in default_data.records:
        if _when(r) - posted[r["post_id"]] < timedelta(minutes=15):
            quick[r["post_id"]] += 1
    assert sum(c >= 150 for c in quick.values()) >= 2


def test_superfans_follow_one_mp_closely(default_data: SimulatedData) -> None:
    fans = [a for a, k in default_data.truth.trap.items() if k == "superfan"]
    assert 3 <= len(fans) <= 10
    posts_of = defaultdict(set)
    for r in default_data.records:
        posts_of[r["target_id"]].add(r["post_id"])
    for fan in fans:
        mine = [r for r in default_data.records if r["account_id"] == fan]
        star = Counter(r["target_id"] for r in mine).most_common(1)[0][0]
        covered = {r["post_id"] for r in mine if r["target_id"] == star}
        assert len(covered) >= 0.7 * len(posts_of[star])
    texts = [r["text"] for r in _trap_records(default_data, "superfan")]
    assert len(set(texts)) > 0.9 * len(texts)


def test_news_links_shared_by_many(default_data: SimulatedData) -> None:
    sharers = defaultdict(set)
    for r in _trap_records(default_data, "news_link"):
        for url in r["urls"]:
            sharers[url.split("?")[0].split("#")[0]].add(r["account_id"])
    assert max(len(s) for s in sharers.values()) >= 50


# --------------------------------------------------------------------------- export


def test_iteration_and_len() -> None:
    data = simulate(n_organic=60, n_targets=4, days=2, rng=1)
    assert len(data) == len(data.records) == len(list(data))


def test_to_jsonl_round_trip(tmp_path: Any) -> None:
    data = simulate(n_organic=60, n_targets=4, days=2, rng=1)
    path = data.to_jsonl(tmp_path / "sim.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == list(data.records)


def test_to_csv_round_trip(tmp_path: Any) -> None:
    data = simulate(n_organic=60, n_targets=4, days=2, rng=1)
    path = data.to_csv(str(tmp_path / "sim.csv"))
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(data)
    for row, record in zip(rows, data.records, strict=True):
        assert tuple(row) == RECORD_FIELDS
        for key in ("urls", "hashtags", "mentions"):
            assert row[key].split() == record[key]
        assert row["text"] == record["text"]


def test_to_pandas() -> None:
    pd = pytest.importorskip("pandas")
    data = simulate(n_organic=60, n_targets=4, days=2, rng=1)
    frame = data.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(RECORD_FIELDS)
    assert len(frame) == len(data)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_organic": 0, "traps": False}, r"'n_organic' parameter of simulate .* >= 1\. Got 0"),
        ({"n_organic": 20}, r"'n_organic' .* >= 50 when traps=True.*Got 20"),
        ({"n_organic": 2.5}, r"'n_organic' parameter of simulate must be an integer"),
        ({"n_targets": 0}, r"'n_targets' parameter of simulate .* Got 0"),
        ({"days": 0}, r"'days' parameter of simulate .* Got 0"),
        ({"days": 400}, r"'days' parameter of simulate .*<= 366\. Got 400"),
        ({"stealth": 1.5}, r"'stealth' parameter of simulate .* Got 1\.5"),
        ({"stealth": "high"}, r"'stealth' parameter of simulate .* Got 'high'"),
        ({"stealth": 0.3, "networks": ()}, r"'stealth' .* must be None when 'networks'"),
        ({"networks": "loud"}, r"'networks' parameter of simulate must be a sequence"),
        ({"networks": [{"name": "x"}]}, r"'networks' .* Got an item \{'name': 'x'\}"),
        ({"traps": "yes"}, r"'traps' parameter of simulate must be a bool\. Got 'yes'"),
        ({"rng": -1}, r"'rng' parameter of simulate .* Got -1"),
        ({"rng": "seed"}, r"'rng' parameter of simulate .* Got 'seed'"),
    ],
)
def test_simulate_rejects_bad_parameters(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        simulate(**kwargs)


def test_duplicate_network_names_rejected() -> None:
    with pytest.raises(ParameterError, match=r"unique network names\. Got \['a', 'a'\]"):
        simulate(**SMALL, networks=[_spec("a"), _spec("a")])


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"name": ""}, r"'name' parameter of NetworkSpec must be a non-empty string"),
        ({"n_accounts": 0}, r"'n_accounts' parameter of NetworkSpec .* Got 0"),
        ({"kind": "bought"}, r"'kind' parameter of NetworkSpec must be one of 'new', 'hijacked'"),
        ({"jitter": -1.0}, r"'jitter' parameter of NetworkSpec .* Got -1\.0"),
        ({"variation": 1.2}, r"'variation' parameter of NetworkSpec .* Got 1\.2"),
        ({"camouflage": 1.0}, r"'camouflage' parameter of NetworkSpec .*< 1\. Got 1\.0"),
        ({"translate": -0.1}, r"'translate' parameter of NetworkSpec .* Got -0\.1"),
        ({"n_templates": 0}, r"'n_templates' parameter of NetworkSpec .* Got 0"),
        ({"waves_per_day": 0.0}, r"'waves_per_day' parameter of NetworkSpec .*> 0\. Got 0\.0"),
        ({"targets_per_wave": 0}, r"'targets_per_wave' parameter of NetworkSpec .* Got 0"),
        ({"participation": 0.0}, r"'participation' parameter of NetworkSpec .* Got 0\.0"),
    ],
)
def test_network_spec_rejects_bad_fields(changes: dict[str, Any], match: str) -> None:
    name = changes.pop("name", "net")
    with pytest.raises(ParameterError, match=match):
        _spec(name, **changes)


def test_default_networks_rejects_bad_stealth() -> None:
    with pytest.raises(ParameterError, match=r"'stealth' parameter of default_networks .* Got 2"):
        default_networks(2)


@pytest.mark.parametrize(
    ("network", "trap", "match"),
    [
        ({"zz": "net"}, {}, r"'network' parameter of Truth .* Got 'zz' -> 'net'"),
        ({"a": "other"}, {}, r"'network' parameter of Truth .* Got 'a' -> 'other'"),
        ({}, {"b": "flash_mob"}, r"'trap' parameter of Truth .* Got 'b' -> 'flash_mob'"),
        ({"a": "net"}, {"a": "superfan"}, r"'trap' parameter of Truth .* Got 'a' -> 'superfan'"),
    ],
)
def test_truth_rejects_inconsistent_labels(
    network: dict[str, str], trap: dict[str, str], match: str
) -> None:
    with pytest.raises(ParameterError, match=match):
        Truth(("a", "b"), network, trap, (_spec("net"),))


def test_truth_copies_its_mappings() -> None:
    network = {"a": "net"}
    truth = Truth(("a", "b"), network, {}, (_spec("net"),))
    network["b"] = "net"
    assert not truth.is_coordinated("b")
    with pytest.raises(TypeError):
        truth.network["b"] = "net"  # type: ignore[index]
