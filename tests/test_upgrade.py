"""An index built by the previous release (ingest schema 1) upgrades itself on the next run.

``tests/fixtures/index_v1.tar.gz`` is a real data dir written by newsqa at commit e75ab60
(before block kinds, display text and entities) over a copy of the seeds. Its chunks record
absolute paths under ``/tmp/newsqa_index_v1``, so the test unpacks it exactly there.
"""

from __future__ import annotations

import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli import cli_env, run_cli  # tests/ is on sys.path

from index.config import IndexConfig
from index.embed import OnnxEmbedder
from index.engine import Engine
from index.ingest.chunk import SCHEMA_VERSION
from index.store import ANN_KEY, SCHEMA_KEY

FIXTURE = Path(__file__).parent / "fixtures" / "index_v1.tar.gz"
ROOT = Path("/tmp/newsqa_index_v1")  # where the old index was built: its paths point here


@pytest.fixture
def old_index() -> Iterator[Path]:
    shutil.rmtree(ROOT, ignore_errors=True)
    ROOT.mkdir(parents=True)
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(ROOT, filter="data")
    yield ROOT / "data"
    shutil.rmtree(ROOT, ignore_errors=True)


def test_old_index_is_recognised_and_upgraded(old_index: Path, embedder: OnnxEmbedder) -> None:
    engine = Engine(IndexConfig(data_dir=old_index), embedder=embedder)
    old = list(engine.store.iter_all())
    assert old and all(SCHEMA_KEY not in c.meta for c in old)
    outdated = engine.outdated_inputs()
    assert sorted(outdated) == sorted(str(p) for p in (ROOT / "seeds").glob("*.txt"))

    report = engine.ingest(outdated)
    assert sorted(report.updated) == sorted(outdated)
    assert engine.outdated_inputs() == []
    new = list(engine.store.iter_all())
    assert new and all(c.meta[SCHEMA_KEY] == SCHEMA_VERSION and c.meta[ANN_KEY] for c in new)
    assert {c.chunk_id for c in new}.isdisjoint({c.chunk_id for c in old})  # nothing stale
    answer = engine.answer("How many Ukrainians returned home on Friday?")
    assert any("390 Ukrainians" in c.quote for c in answer.citations)


def test_cli_upgrades_on_first_start(
    old_index: Path, embedder: OnnxEmbedder, tmp_path: Path
) -> None:
    """A real ``python -m bot ask`` process over the old data dir: one upgrade, then none."""
    env = cli_env(old_index, tmp_path / "no-seeds", embedder)
    question = ["ask", "How many Ukrainians returned home on Friday?"]
    first = run_cli(question, env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "built by an older newsqa: re-reading 2 article(s)" in first.stderr
    assert "added 0, updated 2, unchanged 0, removed 0, skipped 0" in first.stderr
    assert "390" in first.stdout
    again = run_cli(question, env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "older newsqa" not in again.stderr
