"""An index built by the previous release (ingest schema 1) upgrades itself on the next run.

``tests/fixtures/index_v1.tar.gz`` is a real data dir written by newsqa at commit e75ab60
(before block kinds, display text and entities) over a copy of the seeds. Its chunks record
absolute paths under ``/tmp/newsqa_index_v1``, so the test unpacks it exactly there.
"""

from __future__ import annotations

import json
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


def test_the_outdated_check_is_kept_with_the_chunk_set(
    old_index: Path, embedder: OnnxEmbedder, tmp_path: Path
) -> None:
    """Every start asks which articles are outdated; the answer is stored beside the BM25
    index of that exact chunk set, read by later starts, and a changed set asks afresh."""
    from index.store.bm25 import dir_name

    # (a path of its own: chromadb keeps one system per path for the whole process)
    old_index = Path(shutil.copytree(old_index, tmp_path / "data"))
    engine = Engine(IndexConfig(data_dir=old_index), embedder=embedder)
    outdated = engine.outdated_inputs()
    assert len(outdated) == 2
    bm_dir = old_index / "bm25" / dir_name(engine.store.bm25().fingerprint)
    cache = bm_dir / f"outdated-{SCHEMA_VERSION}.json"
    assert sorted(json.loads(cache.read_text())) == sorted(outdated)
    assert [p.name for p in bm_dir.iterdir() if p.name.startswith(".")] == []  # no temp file

    # A later start (a new handle) reads it: the stored answer is what it returns.
    cache.write_text(json.dumps(outdated[:1]))
    later = Engine(IndexConfig(data_dir=old_index), embedder=embedder)
    assert later.store.outdated_sources(SCHEMA_VERSION) == outdated[:1]
    cache.write_text("{not json")  # damaged: scanned again and rewritten
    assert sorted(later.store.outdated_sources(SCHEMA_VERSION)) == sorted(outdated)
    assert sorted(json.loads(cache.read_text())) == sorted(outdated)

    later.ingest(outdated[:1])  # a new chunk set: a new answer, without the upgraded article
    assert later.outdated_inputs() == outdated[1:]
