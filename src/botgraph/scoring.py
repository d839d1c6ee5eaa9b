"""Scoring: coordination scores per cluster and per account, and which clusters to report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from botgraph.communities import Partition
from botgraph.fusion import CoordinationNetwork
from botgraph.ingest import Records

__all__ = ["AccountScore", "Cluster", "EvidenceRecord", "score"]


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """One record behind a cluster, as shown to an analyst.

    Attributes
    ----------
    record_id, account_id : str
        The record and its author.
    time : str
        UTC time, ISO 8601.
    text : str or None
        Comment text, as given (escape it before putting it in HTML).
    target : str or None
        What was commented on (``post_id`` or ``target_id``).
    """

    record_id: str
    account_id: str
    time: str
    text: str | None
    target: str | None


@dataclass(frozen=True, slots=True)
class Cluster:
    """A reported coordinated cluster.

    Attributes
    ----------
    id : int
        Cluster number (0 is the most coordinated).
    members : tuple of str
        Account ids, sorted.
    score : float
        Cluster coordination score in [0, 1]: mean internal edge score times
        internal density.
    density : float
        Internal edges over possible internal edges.
    n_edges : int
        Internal edges.
    layers : Mapping[str, int]
        Per layer (all windows together), internal edges on which the pair
        co-acted in that layer.
    median_gap : float
        Median over internal edges of the smallest time gap, in seconds (synchrony).
    n_targets : int
        Distinct targets (``target_id``) hit by the members' records: target breadth.
    n_records : int
        Records written by the members.
    median_q : float
        Median q-value of the internal edges (significance; lower is stronger).
    duplication : float
        Share of the members' records whose normalised text another member also
        posted (content duplication), in [0, 1].
    created_within_week : float
        Largest share of members whose ``account_created_at`` fall within seven
        days of each other (creation-date concentration); NaN when unknown.
    utc_offset : int or None
        Whole-hour UTC offset under which most of the members' records fall in
        office hours (09:00–18:00 local); None without records.
    office_hours_share : float
        Share of the members' records in office hours under ``utc_offset``.
    languages, platforms : Mapping[str, float]
        Share of the members' records per ``lang`` / ``platform`` value (empty
        when the column is absent).
    reason : str
        One sentence an analyst can read.
    evidence : tuple of EvidenceRecord
        The records behind the strongest internal edges (bounded).
    """

    id: int
    members: tuple[str, ...]
    score: float
    density: float
    n_edges: int
    layers: Mapping[str, int]
    median_gap: float
    n_targets: int
    n_records: int
    median_q: float
    duplication: float
    created_within_week: float
    utc_offset: int | None
    office_hours_share: float
    languages: Mapping[str, float]
    platforms: Mapping[str, float]
    reason: str
    evidence: tuple[EvidenceRecord, ...]

    @property
    def size(self) -> int:
        """Number of member accounts."""
        return len(self.members)

    def __repr__(self) -> str:
        return (
            f"Cluster(id={self.id}, size={self.size}, score={self.score:.3f}, "
            f"density={self.density:.2f}, layers={dict(self.layers)!r})"
        )


@dataclass(frozen=True, slots=True)
class AccountScore:
    """Coordination score of one input account.

    Attributes
    ----------
    account_id : str
        The account.
    score : float
        In [0, 1]: ``1 - q`` of its best-supported pair (q: the Benjamini–Hochberg
        q-value of the pair's co-action); 0 when it never co-acted with anyone.
    cluster_id : int or None
        Reported cluster it belongs to, or None.
    degree : int
        Surviving edges (coordination partners).
    strongest_partner : str or None
        Account at the other end of its strongest edge.
    n_records : int
        Records it wrote.
    """

    account_id: str
    score: float
    cluster_id: int | None
    degree: int
    strongest_partner: str | None
    n_records: int


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).isoformat()


def _positions(records: Records, wanted: set[str]) -> dict[str, int]:
    """Row of each wanted record id (one pass over the ids, whatever the cluster count)."""
    if not wanted:
        return {}
    ids = records.record_id.tolist()
    hit = np.flatnonzero(np.fromiter(map(wanted.__contains__, ids), dtype=bool, count=len(ids)))
    # A repeated id maps to its last row, as a dict built in row order would.
    return dict(zip([ids[i] for i in hit.tolist()], hit.tolist(), strict=True))


def _evidence(
    records: Records, record_ids: list[str], limit: int, position: dict[str, int]
) -> tuple[EvidenceRecord, ...]:
    text = records.fields.get("text")
    post = records.fields.get("post_id")
    target = records.fields.get("target_id")
    out = []
    for rid in record_ids[:limit]:
        i = position.get(rid)
        if i is None:
            continue
        where = post[i] if post is not None and post[i] is not None else None
        if where is None and target is not None:
            where = target[i]
        out.append(
            EvidenceRecord(
                record_id=rid,
                account_id=str(records.account_id[i]),
                time=_iso(float(records.timestamp[i])),
                text=None if text is None or text[i] is None else str(text[i]),
                target=None if where is None else str(where),
            )
        )
    return tuple(out)


_WEEK = 7 * 86_400.0
#: Office hours used to fit a cluster's time zone: 09:00 to 18:00 local time.
_OFFICE = (9, 18)


def _shares(values: NDArray[np.object_] | None) -> dict[str, float]:
    if values is None or values.shape[0] == 0:
        return {}
    present = [str(v) for v in values.tolist() if v is not None]
    if not present:
        return {}
    labels, counts = np.unique(np.array(present, dtype=object), return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return {str(labels[i]): float(counts[i] / len(values)) for i in order.tolist()}


def _created_within_week(created: NDArray[np.float64]) -> float:
    known = np.sort(created[np.isfinite(created)])
    if known.shape[0] == 0:
        return float("nan")
    ends = np.searchsorted(known, known + _WEEK, side="right")
    return float((ends - np.arange(known.shape[0])).max() / created.shape[0])


def _office_hours(times: NDArray[np.float64]) -> tuple[int | None, float]:
    """Best whole-hour UTC offset (-12..+14) and the share of records in office hours."""
    if times.shape[0] == 0:
        return None, float("nan")
    hours = np.floor(np.mod(times, 86_400.0) / 3600.0).astype(np.int64)
    counts = np.bincount(hours, minlength=24)
    best_offset, best_share = 0, -1.0
    for offset in sorted(range(-12, 15), key=abs):
        local = (np.arange(24) + offset) % 24
        inside = (local >= _OFFICE[0]) & (local < _OFFICE[1])
        share = float(counts[inside].sum() / times.shape[0])
        if share > best_share:
            best_offset, best_share = offset, share
    return best_offset, best_share


def _duplication(records: Records, idx: NDArray[np.intp]) -> float:
    text = records.fields.get("text")
    if text is None or idx.shape[0] == 0:
        return 0.0
    from botgraph.normalize import text_fingerprints

    cells = text[idx].tolist()
    # Members of a network repeat their texts: fingerprint each distinct text once.
    distinct = list({c for c in cells if isinstance(c, str)})
    fingerprint = dict(zip(distinct, text_fingerprints(distinct), strict=True))
    keys = [fingerprint[t] if isinstance(t, str) else None for t in cells]
    authors: dict[str, set[int]] = {}
    for key, acc in zip(keys, records.account_code[idx].tolist(), strict=True):
        if key is not None:
            authors.setdefault(key, set()).add(acc)
    shared = sum(1 for key in keys if key is not None and len(authors[key]) > 1)
    return float(shared / idx.shape[0])


def _layer_support(network: CoordinationNetwork, edges: NDArray[np.int64]) -> dict[str, int]:
    """Per base layer (``text`` for ``text@60s`` and ``text@3600s``), edges it supports."""
    names = [layer.split("@", 1)[0] for layer in network.layers]
    out: dict[str, int] = {}
    for base in dict.fromkeys(names):
        cols = [j for j, name in enumerate(names) if name == base]
        out[base] = int((network.layer_keys[edges][:, cols] > 0).any(axis=1).sum())
    return out


def _reason(
    size: int,
    layers: Mapping[str, int],
    n_edges: int,
    gap: float,
    n_targets: int,
    duplication: float,
    creation: float,
    offset: int | None,
    office: float,
) -> str:
    support = ", ".join(f"{layer} ({k} edges)" for layer, k in layers.items() if k) or "none"
    where = f" across {n_targets} targets" if n_targets else ""
    parts = [
        f"{size} accounts linked by {n_edges} coordination edges{where}",
        f"shared behaviour in {support}",
        f"median closest gap {gap:.0f} s",
    ]
    if duplication > 0:
        parts.append(f"{duplication:.0%} of their records repeat another member's text")
    if np.isfinite(creation) and creation >= 0.5:
        parts.append(f"{creation:.0%} of the accounts created within one week")
    if offset is not None and np.isfinite(office):
        parts.append(f"{office:.0%} of records in office hours at UTC{offset:+d}")
    return "; ".join(parts) + "."


def score(
    network: CoordinationNetwork,
    partition: Partition,
    records: Records,
    *,
    min_cluster_size: int = 3,
    max_evidence: int = 20,
) -> tuple[tuple[Cluster, ...], tuple[AccountScore, ...]]:
    """Score clusters and accounts and choose the clusters to report.

    Parameters
    ----------
    network : CoordinationNetwork
        Fused network.
    partition : Partition
        Communities of the network's accounts.
    records : Records
        The records the network was built from (for counts and evidence).
    min_cluster_size : int, default 3
        Communities with fewer members are not reported.
    max_evidence : int, default 20
        Evidence records kept per cluster.

    Returns
    -------
    clusters : tuple of Cluster
        Reported clusters, highest score first, numbered from 0 in that order.
    accounts : tuple of AccountScore
        One per input account, in the order of ``network.accounts``.

    Notes
    -----
    A community is reported when it has at least ``min_cluster_size`` members and
    at least one internal edge. Every edge in the network is significant at the
    network's false-discovery-rate level, so a reported cluster is a group of
    accounts tied by co-action their own activity does not explain.
    Account score: ``1 - q`` for the account's best-supported pair, whether or not
    that pair reached the edge threshold (0 when it never co-acted).
    Cluster score: mean internal edge score times internal density, so a loose
    chain scores lower than a tight clique of equally strong edges.

    Examples
    --------
    >>> import botgraph
    >>> recs = botgraph.ingest([{"account_id": a, "timestamp": 86_400 * d + i, "text": "m"}
    ...                         for d in range(5) for i, a in enumerate("abc")])
    >>> net = botgraph.fuse([botgraph.project(recs, "text")])
    >>> clusters, accounts = score(net, botgraph.communities(net, rng=0), recs)
    >>> clusters[0].members, [round(a.score, 2) for a in accounts]
    (('a', 'b', 'c'), [1.0, 1.0, 1.0])
    """
    n = int(network.accounts.shape[0])
    member = partition.membership
    a, b, s = network.account_a, network.account_b, network.score

    ends = np.concatenate([a, b])  # strongest partner: the edge with the best score
    others = np.concatenate([b, a])
    both_scores = np.concatenate([s, s])
    order = np.lexsort((both_scores, ends))
    last = np.flatnonzero(np.r_[ends[order][1:] != ends[order][:-1], True]) if len(order) else order
    partner = np.full(n, -1, dtype=np.int64)
    partner[ends[order][last]] = others[order][last]
    best = 1.0 - network.account_best_q
    degree = np.bincount(np.concatenate([a, b]), minlength=n)
    n_records = np.bincount(records.account_code, minlength=n)

    internal = member[a] == member[b]
    target = records.fields.get("target_id")
    created = records.fields.get("account_created_at")
    first_row = np.full(n, -1, dtype=np.int64)
    first_row[records.account_code[::-1]] = np.arange(len(records))[::-1]
    # Records of the candidate clusters' members grouped by community, once: each
    # cluster is a slice (in record order).
    candidates = np.unique(member[a[internal]])
    is_candidate = np.zeros(int(member.max()) + 1 if n else 0, dtype=bool)
    is_candidate[candidates] = True
    record_member = np.asarray(member, dtype=np.int64)[records.account_code]
    kept = np.flatnonzero(is_candidate[record_member])
    by_member = kept[np.argsort(record_member[kept], kind="stable")]
    sorted_member = record_member[by_member]
    clusters_raw = []
    for c in candidates.tolist():
        members_idx = np.flatnonzero(member == c)
        size = int(members_idx.shape[0])
        if size < min_cluster_size:
            continue
        edges = np.flatnonzero(internal & (member[a] == c))
        density = 2.0 * edges.shape[0] / (size * (size - 1))
        cluster_score = float(np.mean(s[edges]) * density)
        layers = _layer_support(network, edges)
        gap = float(np.median(network.min_dt[edges]))
        lo, hi = np.searchsorted(sorted_member, [c, c + 1])
        in_cluster = by_member[lo:hi]  # record indices of the members, ascending
        n_targets = 0
        if target is not None:
            values = target[in_cluster]
            n_targets = len({v for v in values.tolist() if v is not None})
        strongest = edges[np.argsort(-s[edges], kind="stable")]
        ids: dict[str, None] = {}
        for e in strongest.tolist():
            for rid in network.evidence[e]:
                ids[rid] = None
            if len(ids) >= max_evidence:
                break
        creation = float("nan")
        if created is not None:
            rows = first_row[members_idx]
            creation = _created_within_week(np.asarray(created, dtype=np.float64)[rows[rows >= 0]])
        offset, office = _office_hours(records.timestamp[in_cluster])
        lang = records.fields.get("lang")
        platform = records.fields.get("platform")
        extra = (
            float(np.median(network.qvalue[edges])),
            _duplication(records, in_cluster),
            creation,
            offset,
            office,
            _shares(None if lang is None else lang[in_cluster]),
            _shares(None if platform is None else platform[in_cluster]),
        )
        clusters_raw.append(
            (
                cluster_score,
                c,
                members_idx,
                density,
                int(edges.shape[0]),
                layers,
                gap,
                n_targets,
                int(in_cluster.shape[0]),
                list(ids),
                extra,
            )
        )
    clusters_raw.sort(key=lambda r: (-r[0], r[1]))

    position = _positions(records, {rid for raw in clusters_raw for rid in raw[9][:max_evidence]})
    cluster_of = np.full(n, -1, dtype=np.int64)
    clusters = []
    for new_id, (cs, _, idx, density, n_e, layers, gap, n_t, n_r, rids, extra) in enumerate(
        clusters_raw
    ):
        cluster_of[idx] = new_id
        median_q, duplication, creation, offset, office, languages, platforms = extra
        clusters.append(
            Cluster(
                id=new_id,
                members=tuple(sorted(str(x) for x in network.accounts[idx].tolist())),
                score=min(max(cs, 0.0), 1.0),
                density=density,
                n_edges=n_e,
                layers=layers,
                median_gap=gap,
                n_targets=n_t,
                n_records=n_r,
                median_q=median_q,
                duplication=duplication,
                created_within_week=creation,
                utc_offset=offset,
                office_hours_share=office,
                languages=languages,
                platforms=platforms,
                reason=_reason(
                    int(idx.shape[0]),
                    layers,
                    n_e,
                    gap,
                    n_t,
                    duplication,
                    creation,
                    offset,
                    office,
                ),
                evidence=_evidence(records, rids, max_evidence, position),
            )
        )

    labels = [str(x) for x in network.accounts.tolist()]
    # Python numbers from whole columns at once: cheaper than a NumPy scalar per value.
    accounts = tuple(
        AccountScore(
            account_id=label,
            score=value,
            cluster_id=None if cluster < 0 else cluster,
            degree=deg,
            strongest_partner=None if other < 0 else labels[other],
            n_records=count,
        )
        for label, value, cluster, deg, other, count in zip(
            labels,
            np.asarray(best, dtype=np.float64).tolist(),
            cluster_of.tolist(),
            degree.tolist(),
            partner.tolist(),
            n_records.tolist(),
            strict=True,
        )
    )
    return tuple(clusters), accounts
