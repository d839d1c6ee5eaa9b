"""Opt-in progress bar: silent by default, one bar over detect's stages when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

import botgraph
from botgraph._progress import Stages
from botgraph.cli import main
from botgraph.errors import ParameterError


@pytest.fixture(scope="module")
def records() -> tuple[dict[str, object], ...]:
    return botgraph.simulate(n_organic=120, days=2, rng=4).records


def test_detect_is_silent_by_default(
    records: tuple[dict[str, object], ...], capsys: pytest.CaptureFixture[str]
) -> None:
    botgraph.detect(records, layers=["text"], window=60)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_detect_progress_writes_a_bar_to_stderr(
    records: tuple[dict[str, object], ...], capsys: pytest.CaptureFixture[str]
) -> None:
    quiet = botgraph.detect(records, layers=["text", "url"], window=[60, 600])
    shown = botgraph.detect(records, layers=["text", "url"], window=[60, 600], progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "botgraph detect" in captured.err
    # 1 ingest + 2 traces + 4 projections + fuse + communities + scores
    assert "10/10" in captured.err
    assert quiet.flagged == shown.flagged


def test_progress_must_be_bool(records: tuple[dict[str, object], ...]) -> None:
    with pytest.raises(ParameterError, match="'progress' parameter of detect must be True"):
        botgraph.detect(records, progress="yes")  # type: ignore[arg-type]


def test_stages_count_and_close_on_error() -> None:
    with Stages(3, enabled=False, description="x") as stages:
        stages.start("a")
        stages.start("b")
    assert stages.done == 2
    failing = Stages(2, enabled=False, description="x")

    def fail() -> None:
        with failing:
            failing.start("a")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail()
    assert failing.done == 0


@pytest.mark.parametrize(("flag", "shown"), [("--progress", True), ("--no-progress", False)])
def test_cli_progress_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, shown: bool
) -> None:
    data = tmp_path / "sim.csv"
    assert main(["simulate", "-o", str(data), "--n-organic", "100", "--days", "2"]) == 0
    capsys.readouterr()
    assert main(["detect", str(data), "-o", str(tmp_path / "o"), flag]) == 0
    assert ("botgraph detect" in capsys.readouterr().err) is shown


def test_cli_progress_off_when_stderr_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "sim.csv"
    assert main(["simulate", "-o", str(data), "--n-organic", "100", "--days", "2"]) == 0
    capsys.readouterr()
    assert main(["detect", str(data), "-o", str(tmp_path / "o")]) == 0
    assert "botgraph detect" not in capsys.readouterr().err
