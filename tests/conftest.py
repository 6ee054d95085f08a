"""Shared fixtures: the real embedder (built once per session) and real Chroma indexes."""

from __future__ import annotations

import os
import shutil
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_bot_api import FakeBotAPI  # tests/ is on sys.path
from fakes import cli_env
from feed_server import FeedServer
from typer.testing import CliRunner

from index.config import IndexConfig
from index.embed import OnnxEmbedder
from index.engine import Engine
from index.store.collection import ChromaChunks

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
EVAL_DEV = SHARED / "eval-dev"

_OPENED: list[Any] = []  # engines and stores this test module made (kept alive to close them)
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()  # every engine alive, any module's


def _track(cls: Any) -> None:
    init = cls.__init__

    def tracked(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        _OPENED.append(self)
        if isinstance(self, Engine):
            _ENGINES.add(self)

    cls.__init__ = tracked


_track(Engine)
_track(ChromaChunks)


@pytest.fixture(autouse=True, scope="module")
def _close_engines() -> Iterator[None]:
    """Close every engine and store a test module opened: an open index holds ~10
    descriptors, and past 1,024 prompt_toolkit's ``select()`` fails. A store that an engine
    of an earlier module (the session's ``seeded_engine``) opened here is that engine's to
    close; the engine reopens it on its next use."""
    yield
    opened, _OPENED[:] = list(_OPENED), []
    for item in opened:
        if isinstance(item, Engine):
            item.close()
    owned = {id(e._store) for e in list(_ENGINES) if e._store is not None}
    for item in opened:
        if not isinstance(item, Engine) and id(item) not in owned:
            item.close()


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> OnnxEmbedder:
    """The real MiniLM (ONNX), built once for the whole session."""
    return OnnxEmbedder(tmp_path_factory.mktemp("models"))


@pytest.fixture
def make_engine(
    tmp_path: Path, embedder: OnnxEmbedder
) -> Iterator[Callable[..., Engine]]:
    """Engines over a fresh persistent Chroma in ``tmp_path`` sharing the session embedder,
    closed after the test (each open index holds ~10 file descriptors)."""
    made: list[Engine] = []

    def factory(name: str = "data", **overrides: object) -> Engine:
        cfg = IndexConfig(data_dir=tmp_path / name, **overrides)  # type: ignore[arg-type]
        made.append(Engine(cfg, embedder=embedder))
        return made[-1]

    yield factory
    for engine in made:
        engine.close()


@pytest.fixture(scope="session")
def seeded_engine(
    tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder
) -> Iterator[Engine]:
    """One index over a copy of the two seed articles, shared read-only by answer tests."""
    root = tmp_path_factory.mktemp("seeded")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    engine = Engine(IndexConfig(data_dir=root / "data"), embedder=embedder)
    report = engine.ingest([str(seeds)])
    assert len(report.added) == 2, report.summary()
    yield engine
    engine.close()


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
