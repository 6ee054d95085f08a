"""The chunk sidecar (index/store/sidecar.py) under a real embedded Chroma in tmp_path:
what goes where, reads that look the same as before, orphans, indexes of the old layout."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index.config import IndexConfig
from index.ingest.chunk import chunk_article
from index.ingest.parse import parse_text
from index.store import SVEC_KEY, ChunkStore, decode_sentence_vectors, encode_sentence_vectors
from index.store.sidecar import FILE_NAME, SIDE_KEYS, ChunkSidecar, dequantize, quantize
from index.types import Article, Chunk

DIM = 384


def _article(n: int) -> Article:
    text = (
        f"Harbour report number {n}\n"
        f"Source: Test Wire | Published: 2024-02-{n % 28 + 1:02d} | URL: https://x.test/{n}\n\n"
        f"## Pier {n}\n\n"
        f"Cranes at pier {n} stopped on Monday. Dockers said 40 workers walked out.\n\n"
        f"The port authority expects ships number {n} to wait three days.\n"
    )
    art = parse_text(text, path=f"/news/{n}.txt")
    assert isinstance(art, Article)
    return art


def _vectors(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _write(store: ChunkStore, art: Article) -> tuple[list[Chunk], list[np.ndarray]]:
    chunks = chunk_article(art, lambda t: len(t.split()))
    mats = [_vectors(len(c.sentence_spans), seed=i) for i, c in enumerate(chunks)]
    store.upsert(
        [c.chunk_id for c in chunks],
        _vectors(len(chunks), seed=99),
        [c.text for c in chunks],
        [c.metadata(art) | {"ann": "[[]]"} for c in chunks],
        sentence_vectors=mats,
    )
    return chunks, mats


@pytest.fixture
def store(tmp_path: Path) -> ChunkStore:
    return ChunkStore(IndexConfig(data_dir=tmp_path / "data"))


def test_int8_rows_keep_cosine_and_reject_bytes_that_do_not_fit() -> None:
    mat = _vectors(5, seed=1)
    data = quantize(mat)
    assert len(data) == 5 * (4 + DIM)  # one float32 scale and 384 int8 values a sentence
    back = dequantize(data, 5)
    assert back is not None and back.dtype == np.float32 and back.shape == (5, DIM)
    cos = (back * mat).sum(axis=1) / np.linalg.norm(back, axis=1)
    assert cos.min() > 0.9999
    assert dequantize(data, 3) is None and dequantize(data[:-1], 5) is None
    assert dequantize(b"", 1) is None and dequantize(data, 0) is None


def test_text_vectors_and_side_metadata_live_in_the_sidecar_not_in_chroma(
    store: ChunkStore,
) -> None:
    chunks, mats = _write(store, _article(1))
    ids = [c.chunk_id for c in chunks]
    raw = store._collection.get(ids=ids, include=["documents", "metadatas"])
    assert raw["documents"] == [None] * len(ids)  # no document: no full-text index in Chroma
    for meta in raw["metadatas"]:
        assert SVEC_KEY not in meta and not set(SIDE_KEYS) & set(meta)
        assert meta["article_id"] and meta["title"]  # filters and citations stay in Chroma
    side = ChunkSidecar(store.cfg.data_dir / FILE_NAME, read_only=True)
    assert {cid: row[0] for cid, row in side.read(ids, vectors=False).items()} == {
        c.chunk_id: c.text for c in chunks
    }

    # Every read the answer path uses returns text, full metadata and sentence vectors.
    got = store.get([*list(reversed(ids)), "missing"])
    assert [c.chunk_id for c in got] == list(reversed(ids))
    hits = {c.chunk_id: c for c, _ in store.vector_search(_vectors(1, 5)[0], 10)}
    assert set(hits) == set(ids)
    for chunk in got + list(hits.values()):
        i = ids.index(chunk.chunk_id)
        assert chunk.text == chunks[i].text
        assert chunk.meta["sentences"] == chunks[i].metadata(_article(1))["sentences"]
        assert chunk.meta["ann"] == "[[]]"
        mat = decode_sentence_vectors(chunk.meta)
        assert mat is not None and mat.shape == mats[i].shape
        assert ((mat * mats[i]).sum(axis=1) / np.linalg.norm(mat, axis=1)).min() > 0.9999
    assert {c.chunk_id: c.meta.get("heading") for c in store.iter_all()} == {
        c.chunk_id: c.heading or None for c in chunks
    }
    assert store.bm25().search("pier 1 cranes", 3)  # BM25 is built from the sidecar's text


def test_deleting_a_chunk_deletes_its_sidecar_row_and_orphans_are_dropped(
    store: ChunkStore,
) -> None:
    chunks, _ = _write(store, _article(2))
    kept, _ = _write(store, _article(3))
    side = ChunkSidecar(store.cfg.data_dir / FILE_NAME)
    store.delete([c.chunk_id for c in chunks])
    assert side.ids() == {c.chunk_id for c in kept}
    # A killed ingest: the sidecar row was committed, the Chroma write never happened.
    side.put([("orphan", "text", {}, _vectors(1, 3))])
    assert store.drop_orphans() == 1
    assert side.ids() == {c.chunk_id for c in kept}
    assert store.drop_orphans() == 0


def test_chunks_written_before_the_sidecar_are_read_from_chroma(store: ChunkStore) -> None:
    art = _article(4)
    (chunk, *_) = chunk_article(art, lambda t: len(t.split()))
    mat = _vectors(len(chunk.sentence_spans), seed=4)
    store._collection.upsert(  # the old layout: document and base64 svec in Chroma
        ids=[chunk.chunk_id], embeddings=_vectors(1, 4), documents=[chunk.text],
        metadatas=[chunk.metadata(art) | {SVEC_KEY: encode_sentence_vectors(mat)}],
    )
    (got,) = store.get([chunk.chunk_id])
    assert got.text == chunk.text
    old = decode_sentence_vectors(got.meta)
    assert old is not None and old.shape == mat.shape
    assert set(store.sentence_vectors([chunk.chunk_id])) == {chunk.chunk_id}
    assert store.stored_chunk_state([art.article_id]) == {art.article_id: {chunk.chunk_id: True}}


def test_a_read_only_sidecar_reads_and_a_missing_one_reads_empty(
    store: ChunkStore, tmp_path: Path
) -> None:
    chunks, _ = _write(store, _article(5))
    ro = ChunkSidecar(store.cfg.data_dir / FILE_NAME, read_only=True)
    assert set(ro.read([c.chunk_id for c in chunks])) == {c.chunk_id for c in chunks}
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        ro._db().execute("DELETE FROM chunks")  # type: ignore[union-attr]
    missing = ChunkSidecar(tmp_path / "nowhere" / FILE_NAME, read_only=True)
    assert missing.read(["x"]) == {} and missing.ids() == set()
    assert not (tmp_path / "nowhere").exists()
