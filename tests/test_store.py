"""Tests for index.store: real Chroma in tmp_path, deterministic vectors (no embedder needed).

The BM25 side is derived from the collection; these tests check it follows the collection
(fingerprinted directories, rebuilt when stale or damaged) and that a chunk's sentence
vectors live in its own metadata (no second collection).
"""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from index.config import IndexConfig
from index.ingest.chunk import chunk_article
from index.ingest.parse import parse_text
from index.ingest.pipeline import IngestBusy, ingest_lock
from index.store import (
    SVEC_KEY,
    ChunkStore,
    decode_sentence_vectors,
    encode_sentence_vectors,
    ingest_running,
    make_private_dir,
)
from index.types import Article, Chunk

DIM = 384


def _words(text: str) -> int:
    return len(text.split())


def _article(n: int) -> Article:
    text = (
        f"Harbour report number {n}\n"
        f"Source: Test Wire | Published: 2024-01-{n % 28 + 1:02d}T00:00:00+00:00 | URL: https://x.test/{n}\n\n"
        f"Cranes at pier {n} stopped on Monday. Dockers said pay talks failed.\n\n"
        f"The port authority expects ships number {n} to wait three days.\n"
    )
    art = parse_text(text, path=f"/news/{n}.txt")
    assert isinstance(art, Article)
    return art


def _vectors(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _write(store: ChunkStore, art: Article, *, sentences: bool = True) -> list[Chunk]:
    """Store an article the way ingest does: each chunk with its sentence vectors."""
    chunks = chunk_article(art, _words)
    metas = []
    for n, c in enumerate(chunks):
        meta = c.metadata(art)
        if sentences:
            meta[SVEC_KEY] = encode_sentence_vectors(_vectors(len(c.sentence_spans), seed=n))
        metas.append(meta)
    store.upsert(
        [c.chunk_id for c in chunks],
        _vectors(len(chunks), seed=7),
        [c.text for c in chunks],
        metas,
    )
    return chunks


def _bm25_dirs(data_dir: Path) -> list[Path]:
    return sorted(p for p in (data_dir / "bm25").iterdir() if p.is_dir())


@pytest.fixture
def store(tmp_path: Path) -> ChunkStore:
    return ChunkStore(IndexConfig(data_dir=tmp_path / "data"))


def test_data_dir_is_private_even_when_something_else_created_it_first(tmp_path: Path) -> None:
    store = ChunkStore(IndexConfig(data_dir=tmp_path / "deep" / "data"))
    store.refresh_bm25()
    for d in (tmp_path / "deep" / "data", tmp_path / "deep" / "data" / "bm25"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    early = tmp_path / "early"
    (early / "models").mkdir(parents=True)  # e.g. the embedder's cache made it first
    early.chmod(0o755)
    ChunkStore(IndexConfig(data_dir=early))
    assert stat.S_IMODE(early.stat().st_mode) == 0o700
    assert stat.S_IMODE(make_private_dir(tmp_path / "x").stat().st_mode) == 0o700


def test_bm25_index_follows_the_chunk_set(store: ChunkStore) -> None:
    a, b = _article(1), _article(2)
    chunks_a = _write(store, a)
    _write(store, b)
    bm = store.bm25()
    assert sorted(bm.chunk_ids) == sorted(c.chunk_id for c in store.iter_all())
    assert {x.article_id for x in store.articles()} == {a.article_id, b.article_id}
    hits = dict(bm.search("pier 1 cranes", 5))
    assert chunks_a[0].chunk_id in hits
    (only,) = _bm25_dirs(store.cfg.data_dir)
    manifest = json.loads((only / "manifest.json").read_text())
    assert sorted(manifest["chunk_ids"]) == sorted(bm.chunk_ids)

    store.delete([c.chunk_id for c in chunks_a])
    bm2 = store.bm25()
    assert bm2.fingerprint != bm.fingerprint
    assert not set(bm2.chunk_ids) & {c.chunk_id for c in chunks_a}
    assert [x.article_id for x in store.articles()] == [b.article_id]
    (newer,) = _bm25_dirs(store.cfg.data_dir)  # the superseded index is gone
    assert newer != only


def test_a_damaged_or_foreign_bm25_index_is_rebuilt_from_the_collection(
    tmp_path: Path,
) -> None:
    cfg = IndexConfig(data_dir=tmp_path / "data")
    store = ChunkStore(cfg)
    _write(store, _article(3))
    store.refresh_bm25()
    (index_dir,) = _bm25_dirs(cfg.data_dir)
    (index_dir / "manifest.json").write_text("{not json")
    leftover = cfg.bm25_dir / ".tmp-99999-1"
    leftover.mkdir()
    old = time.time() - 3600
    os.utime(leftover, (old, old))

    fresh = ChunkStore(cfg)  # a new process: nothing cached in memory
    bm = fresh.bm25()
    assert sorted(bm.chunk_ids) == sorted(c.chunk_id for c in fresh.iter_all())
    assert bm.search("pier 3", 3)
    assert not leftover.exists()
    assert json.loads((_bm25_dirs(cfg.data_dir)[0] / "manifest.json").read_text())


def test_a_second_handle_on_the_same_index_sees_new_chunks(tmp_path: Path) -> None:
    cfg = IndexConfig(data_dir=tmp_path / "data")
    reader, writer = ChunkStore(cfg), ChunkStore(cfg)
    _write(writer, _article(4))
    assert len(reader.articles()) == 1
    _write(writer, _article(5))
    writer.refresh_bm25()
    assert len(reader.articles()) == 2
    assert reader.vector_search(_vectors(1, 1)[0], 50)


def test_stored_chunks_answers_for_many_articles_in_one_query(store: ChunkStore) -> None:
    arts = [_article(n) for n in range(10, 14)]
    written = {a.article_id: {c.chunk_id for c in _write(store, a)} for a in arts}
    assert store.stored_chunks([a.article_id for a in arts] + ["nope"]) == written
    assert store.stored_chunks([]) == {}


def test_sentence_vectors_round_trip_through_chunk_metadata(store: ChunkStore) -> None:
    chunks = _write(store, _article(18))
    got = store.sentence_vectors([c.chunk_id for c in chunks] + ["nope"])
    assert set(got) == {c.chunk_id for c in chunks}
    for n, c in enumerate(chunks):
        want = _vectors(len(c.sentence_spans), seed=n)
        mat = got[c.chunk_id]
        assert mat.dtype == np.float32 and mat.shape == (len(c.sentence_spans), DIM)
        cos = (mat * want).sum(axis=1) / np.linalg.norm(mat, axis=1)
        assert cos.min() > 0.999
    (first,) = store.get([chunks[0].chunk_id])
    np.testing.assert_array_equal(decode_sentence_vectors(first.meta), got[chunks[0].chunk_id])
    assert store.sentence_vectors([]) == {}


def test_chunks_without_sentence_vectors_are_omitted_and_marked_incomplete(
    store: ChunkStore,
) -> None:
    done = _write(store, _article(23))
    bare = _write(store, _article(24), sentences=False)  # as the old layout left them
    assert set(store.sentence_vectors([c.chunk_id for c in done + bare])) == {
        c.chunk_id for c in done
    }
    state = store.stored_chunk_state([done[0].article_id, bare[0].article_id])
    assert state[done[0].article_id] == {c.chunk_id: True for c in done}
    assert state[bare[0].article_id] == {c.chunk_id: False for c in bare}
    bad = dict(store.get([done[0].chunk_id])[0].meta)
    assert decode_sentence_vectors(bad | {SVEC_KEY: "not base64!"}) is None
    assert decode_sentence_vectors(bad | {"sentences": ""}) is None


def test_the_old_sentence_collection_is_dropped_on_open(tmp_path: Path) -> None:
    cfg = IndexConfig(data_dir=tmp_path / "data")
    store = ChunkStore(cfg)
    store._client.get_or_create_collection(cfg.collection + "_sentences", embedding_function=None)
    ChunkStore(cfg)
    names = {getattr(c, "name", c) for c in store._client.list_collections()}
    assert names == {cfg.collection}


def test_ingest_lock_is_exclusive_and_probing_it_never_blocks_an_ingest(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert not ingest_running(data)
    with ingest_lock(data):
        assert ingest_running(data)
        with pytest.raises(IngestBusy, match="another ingest is running"), ingest_lock(data):
            pass
    assert not ingest_running(data)

    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            ingest_running(data)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        for _ in range(20):
            with ingest_lock(data):
                pass
    finally:
        stop.set()
        prober.join()


def test_the_chunk_count_is_read_again_only_when_the_database_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A COUNT costs ~17 ms at 100k chunks: a reader reuses its count while Chroma's database
    file is unchanged, and counts again as soon as another handle writes (or after
    ``RECOUNT_S``)."""
    from index.store import changes

    cfg = IndexConfig(data_dir=tmp_path / "data")
    reader, writer = ChunkStore(cfg), ChunkStore(cfg)
    first = _write(writer, _article(1))
    counted: list[int] = []
    real_count = reader.count

    def count() -> int:
        counted.append(real_count())
        return counted[-1]

    monkeypatch.setattr(reader, "count", count)
    assert reader._sync() == len(first)  # (written since the reader opened: it reopens,
    reader._sync()  # and reopening Chroma touches its file once more)
    opened = len(counted)
    for _ in range(5):
        assert reader._sync() == len(first)
    assert len(counted) == opened  # nothing written: the count stands
    second = _write(writer, _article(2))
    assert reader._sync() == len(first) + len(second) and len(counted) >= 2
    assert len(reader.articles()) == 2
    reader._sync()  # (reopening Chroma after another writer touches the file once more)
    settled = len(counted)
    for _ in range(5):
        assert reader._sync() == len(first) + len(second)
    assert len(counted) == settled
    monkeypatch.setattr(changes, "RECOUNT_S", 0.0)
    reader._sync()
    assert len(counted) == settled + 1  # the periodic full count
