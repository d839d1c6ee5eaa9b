"""The examples run, and docs/api.md matches the docstrings."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import botgraph

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "detect_campaign.py"
SMALL = ["--n-organic", "300", "--days", "4"]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    # Run against this checkout's sources whether or not botgraph is installed.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
    )
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_detect_campaign_simulated(tmp_path: Path) -> None:
    # No --output: the default directory is created in the working directory.
    out = tmp_path / "botgraph-example-output"
    proc = _run(*SMALL, "--seed", "3", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for name in (
        "simulated.csv",
        "truth.csv",
        "evaluation.json",
        "accounts.csv",
        "clusters.csv",
        "edges.csv",
        "network.graphml",
        "network.gexf",
    ):
        assert (out / name).stat().st_size > 0, name
    assert "coordinated clusters" in proc.stdout
    assert "Against the ground truth:" in proc.stdout
    evaluation = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert set(evaluation) >= {"precision", "recall", "f1", "auc", "ari", "traps_flagged"}
    # The printed counts agree with the files written.
    n_accounts = len((out / "truth.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert f"{n_accounts} accounts" in proc.stdout


def test_detect_campaign_reads_csv(tmp_path: Path) -> None:
    data = botgraph.simulate(n_organic=300, days=4, rng=5)
    frame_path = data.to_csv(tmp_path / "comments.csv")
    text = frame_path.read_text(encoding="utf-8").replace("account_id,", "user,", 1)
    frame_path.write_text(text, encoding="utf-8")
    out = tmp_path / "csv-out"
    proc = _run(
        "--csv", str(frame_path), "--column", "user=account_id", "--output", str(out), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{len(data)} records" in proc.stdout
    assert "Against the ground truth:" not in proc.stdout
    assert (out / "accounts.csv").exists() and (out / "network.gexf").exists()
    assert not (out / "truth.csv").exists()


def test_detect_campaign_reports_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("account_id,timestamp,text\na,yesterday,hello\n", encoding="utf-8")
    proc = _run("--csv", str(bad), "--output", str(tmp_path / "o"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "Row 0, column 'timestamp'" in proc.stderr


def _gen_api() -> object:
    path = ROOT / "docs" / "gen_api.py"
    spec = importlib.util.spec_from_file_location("botgraph_docs_gen_api", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_up_to_date() -> None:
    api = ROOT / "docs" / "api.md"
    if not api.exists():
        pytest.fail("docs/api.md is missing: run `python docs/gen_api.py`")
    expected = _gen_api().render()  # type: ignore[attr-defined]
    assert api.read_text(encoding="utf-8") == expected, (
        "docs/api.md is out of date: run `python docs/gen_api.py`"
    )
