"""Command line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from botgraph.cli import main


def test_simulate_then_detect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "sim.csv"
    truth = tmp_path / "truth.csv"
    assert (
        main(
            [
                "simulate",
                "-o",
                str(data),
                "--truth",
                str(truth),
                "--n-organic",
                "300",
                "--days",
                "4",
                "--seed",
                "2",
            ]
        )
        == 0
    )
    assert data.exists() and truth.exists()
    out = tmp_path / "out"
    assert main(["detect", str(data), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "coordinated clusters" in printed
    for name in ("clusters.csv", "accounts.csv", "edges.csv", "network.graphml"):
        assert (out / name).exists()
    with (out / "accounts.csv").open() as fh, truth.open() as th:
        assert sum(1 for _ in csv.reader(fh)) == sum(1 for _ in csv.reader(th))


def test_detect_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "sim.jsonl"
    assert main(["simulate", "-o", str(data), "--n-organic", "200", "--days", "3"]) == 0
    assert (
        main(
            [
                "detect",
                str(data),
                "-o",
                str(tmp_path / "o"),
                "--layers",
                "target",
                "--window",
                "30",
                "90",
                "--alpha",
                "0.01",
                "--method",
                "components",
                "--min-cluster-size",
                "4",
                "--seed",
                "1",
                "--drop-invalid",
                "--column",
                "lang=language",
            ]
        )
        == 0
    )
    assert "0 coordinated clusters" in capsys.readouterr().out


def test_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", str(tmp_path / "missing.csv")]) == 2
    assert "botgraph: error" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["detect", str(tmp_path / "x.csv"), "--column", "nonsense"])


def test_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "-o", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "F1" in out and "coordinated clusters" in out
    assert (tmp_path / "demo" / "clusters.csv").exists()
