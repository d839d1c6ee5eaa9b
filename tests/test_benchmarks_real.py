"""Smoke tests of benchmarks/real_data.py's helpers (the peers' data are not needed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "real_data.py"


@pytest.fixture(scope="module")
def real() -> ModuleType:
    spec = importlib.util.spec_from_file_location("real_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["real_data"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_purity_is_the_majority_share(real: ModuleType) -> None:
    category = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "y"}
    assert real._purity([["a", "b", "c"], ["d", "e"]], category) == pytest.approx(4 / 5)
    assert real._purity([], category) is None


def test_render_and_write_docs(real: ModuleType, tmp_path: Path) -> None:
    row = real.Row("demo", 10, 4, 3, 1, 0.5, 1.0, ["peer: 5 accounts, 3 of them flagged"])
    section = real.render([row])
    assert "| demo | 10 | 4 | 3 | 1 | 1.000 | 0.5 |" in section
    assert "- demo: peer: 5 accounts, 3 of them flagged." in section
    doc = tmp_path / "b.md"
    doc.write_text("# B\n", encoding="utf-8")
    real.write_docs(section, doc)
    real.write_docs(section.replace("demo", "again"), doc)
    text = doc.read_text(encoding="utf-8")
    assert text.count(real.MARK_START) == 1 and "again" in text and "| demo |" not in text


def test_peer_text_counts_the_overlap(real: ModuleType) -> None:
    text = real._peer_text("P", {"a", "b", "c"}, {"b", "c", "z"}, 0.5)
    assert text == "P: 3 accounts, 2 of them flagged by botgraph, purity 0.500"
