"""detect() with default parameters on the real data in ../shared/peers.

The column mappings and layer choices below are what each data set needs to be
read at all; every detection parameter keeps its default. Skipped when
../shared/peers is absent.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import botgraph

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "peers"

pytestmark = pytest.mark.peers


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip("../shared/peers is absent")
    return path


def _check_every_account_scored(result: botgraph.Detection, accounts: set[str]) -> None:
    assert {a.account_id for a in result.accounts} == accounts
    assert all(0.0 <= a.score <= 1.0 for a in result.accounts)


def _column(path: Path, name: str, opener: Any = open) -> set[str]:
    with opener(path, "rt", newline="", encoding="utf-8") as fh:
        return {row[name].strip() for row in csv.DictReader(fh)}


def test_russian_retweets() -> None:
    path = _need(PEERS / "coortweet" / "russian_coord_tweets.csv")
    result = botgraph.detect(
        path, columns={"timestamp_share": "timestamp", "content_id": "record_id"}
    )
    assert result.parameters["layers"] == ("object_id",)
    _check_every_account_scored(result, _column(path, "account_id"))
    assert result.clusters


def test_german_elections_multimodal() -> None:
    path = _need(PEERS / "coortweet" / "german_elections.csv")
    result = botgraph.detect(
        path,
        columns={"post_id": "record_id"},
        layers=["url_id", "phash_id", "hashtag_id", "domain_id"],
        on_invalid="drop",
    )
    # rows with neither url, image, hashtag nor domain carry no content: accounted, not lost
    assert len(result.rejected) + result.n_records == 218_971
    assert {r.reason.split(" (")[0] for r in result.rejected} == {"the record has no content"}
    scored = {a.account_id for a in result.accounts}
    assert scored <= _column(path, "account_id")
    assert all(0.0 <= a.score <= 1.0 for a in result.accounts)
    assert result.clusters


def test_ira_slice_clusters_are_pure() -> None:
    path = _need(PEERS / "ira_538" / "ira_tweets_2016-10-05_to_08.csv.gz")
    result = botgraph.detect(
        path,
        columns={"author_id": "account_id", "publish_date": "timestamp", "content": "text"},
        timezone="UTC",
    )
    _check_every_account_scored(result, _column(path, "author_id", gzip.open))
    with gzip.open(path, "rt", newline="", encoding="utf-8") as fh:
        category = {row["author_id"]: row["account_category"] for row in csv.DictReader(fh)}
    majority = sum(
        Counter(category[m] for m in c.members).most_common(1)[0][1] for c in result.clusters
    )
    flagged = sum(c.size for c in result.clusters)
    assert flagged >= 10
    assert majority / flagged >= 0.95


def test_coornet_facebook_shares() -> None:
    path = _need(PEERS / "coornet" / "ct_shares_marked.csv")
    result = botgraph.detect(
        path,
        columns={
            "account.id": "account_id",
            "date": "timestamp",
            "expanded": "url",
            "message": "text",
        },
        timezone="UTC",
    )
    _check_every_account_scored(result, _column(path, "account.id"))
