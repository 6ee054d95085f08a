"""Shared fixtures: the real embedder (built once per session) and real Chroma indexes."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fake_bot_api import FakeBotAPI  # tests/ is on sys.path
from fakes import cli_env
from feed_server import FeedServer
from typer.testing import CliRunner

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


@pytest.fixture
def srv() -> Iterator[FeedServer]:
    """A local feed and article server on 127.0.0.1."""
    with FeedServer() as server:
        yield server


@pytest.fixture
def runner(tmp_path: Path, embedder: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch
           ) -> CliRunner:
    """The ``newsqa`` CLI in-process over ``tmp_path/data``, private URLs allowed (the local
    servers); test_cli.py has its own, over a seeds copy."""
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    for key in list(os.environ):
        if key.startswith("NEWSQA_"):
            monkeypatch.delenv(key)
    for key, value in cli_env(tmp_path / "data", tmp_path / "seeds", embedder).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NEWSQA_ALLOW_PRIVATE_URLS", "1")
    return CliRunner()


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    """An imitation Telegram Bot API on 127.0.0.1."""
    with FakeBotAPI() as fake:
        yield fake
