"""Shared fixtures: the real embedder (built once per session) and real Chroma indexes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from index.config import IndexConfig
from index.embed import OnnxEmbedder
from index.engine import Engine

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
EVAL_DEV = SHARED / "eval-dev"


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> OnnxEmbedder:
    """The real MiniLM (ONNX), built once for the whole session."""
    return OnnxEmbedder(tmp_path_factory.mktemp("models"))


@pytest.fixture
def make_engine(
    tmp_path: Path, embedder: OnnxEmbedder
) -> Callable[..., Engine]:
    """Engines over a fresh persistent Chroma in ``tmp_path`` sharing the session embedder."""

    def factory(name: str = "data", **overrides: object) -> Engine:
        cfg = IndexConfig(data_dir=tmp_path / name, **overrides)  # type: ignore[arg-type]
        return Engine(cfg, embedder=embedder)

    return factory


@pytest.fixture(scope="session")
def seeded_engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    """One index over a copy of the two seed articles, shared read-only by answer tests."""
    root = tmp_path_factory.mktemp("seeded")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    engine = Engine(IndexConfig(data_dir=root / "data"), embedder=embedder)
    report = engine.ingest([str(seeds)])
    assert len(report.added) == 2, report.summary()
    return engine
