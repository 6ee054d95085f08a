"""Incremental, crash-safe ingestion: inputs → articles → chunks → embeddings → store.

Chunk ids are content hashes, so an unchanged article is recognised without embedding
anything: its freshly computed id set equals the stored one. A changed article's new chunks
are written before its stale ones are deleted, so a crash leaves at worst extra chunks that
the next run removes; it never leaves an article missing.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.chunking import chunk_article
from index.documents import MAX_BYTES, Skipped, iter_inputs, load_input
from index.store import ChunkStore, make_private_dir
from index.types import Article, Chunk, IngestReport


class Embedder(Protocol):
    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class IngestBusy(RuntimeError):
    """Another ingest holds the data dir's lock."""


# progress(event, value): ("total", n inputs), ("input", 1), ("embedded", n chunks)
Progress = Callable[[str, int], None]

_EMBED_FLUSH = 256  # chunks per embedding round: big enough to batch well across articles


@contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``<data_dir>/ingest.lock``; released by the OS on kill -9."""
    make_private_dir(data_dir)
    fd = os.open(data_dir / "ingest.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise IngestBusy(
                    f"another ingest is running on {data_dir} (lock: {data_dir / 'ingest.lock'}); "
                    "wait for it to finish and try again"
                ) from exc
            raise
        yield
    finally:
        os.close(fd)


@dataclass
class _Pending:
    article: Article
    chunks: list[Chunk]
    stale_ids: set[str]
    kept: list[Chunk]
    status: str  # "added" | "updated"
    label: str


def sentence_id(chunk_id: str, i: int) -> str:
    return f"{chunk_id}:{i}"


def ingest(
    store: ChunkStore,
    embedder: Embedder,
    inputs: Sequence[str],
    *,
    data_dir: Path,
    prune: bool = False,
    max_tokens: int = 200,
    max_bytes: int = MAX_BYTES,
    progress: Progress | None = None,
    http_client: Any = None,
) -> IngestReport:
    """Ingest files, folders and URLs; see the module docstring for the guarantees."""
    report = IngestReport()
    notify: Progress = progress or (lambda _e, _n: None)
    with ingest_lock(data_dir):
        items: list[str] = []
        for item in iter_inputs(inputs):
            if isinstance(item, Skipped):
                report.skipped.append((item.input, item.reason))
            else:
                items.append(item)
        notify("total", len(items))

        pending: list[_Pending] = []
        seen_articles: set[str] = set()
        for item in items:
            loaded = load_input(item, max_bytes=max_bytes, client=http_client)
            notify("input", 1)
            if isinstance(loaded, Skipped):
                report.skipped.append((loaded.input, loaded.reason))
                continue
            if loaded.article_id in seen_articles:
                continue
            seen_articles.add(loaded.article_id)
            chunks = chunk_article(loaded, embedder.count_tokens, max_tokens)
            if not chunks:
                report.skipped.append((item, "no indexable text after cleaning"))
                continue
            existing = set(store.article_chunks(loaded.article_id)["ids"])
            new_ids = {c.chunk_id for c in chunks}
            label = loaded.path or loaded.url or item
            if existing == new_ids:
                report.unchanged.append(label)
                continue
            to_write = [c for c in chunks if c.chunk_id not in existing]
            kept = [c for c in chunks if c.chunk_id in existing]
            status = "updated" if existing else "added"
            pending.append(_Pending(loaded, to_write, existing - new_ids, kept, status, label))
            if sum(len(p.chunks) for p in pending) >= _EMBED_FLUSH:
                _flush(store, embedder, pending, report, notify)
                pending = []
        _flush(store, embedder, pending, report, notify)
        if prune:
            _prune(store, report)
        if report.added or report.updated or report.removed:
            store.delete_orphan_sentences()  # leftovers of a crash or of replaced chunks
        store.rebuild_bm25()
    return report


def _flush(
    store: ChunkStore,
    embedder: Embedder,
    pending: list[_Pending],
    report: IngestReport,
    notify: Progress,
) -> None:
    """Embed every pending chunk in one round, write them, then delete what they replace."""
    if not pending:
        return
    pairs = [(p.article, c) for p in pending for c in p.chunks]
    if pairs:
        # Sentences are embedded one by one (the composer scores sentences, and a query must
        # not pay for embedding them); a chunk's vector is the normalised mean of its own.
        sentences = [
            (c, i, a.text[s:e]) for a, c in pairs for i, (s, e) in enumerate(c.sentence_spans)
        ]
        vectors = embedder.embed([t for _, _, t in sentences])
        store.upsert_sentences(
            ids=[sentence_id(c.chunk_id, i) for c, i, _ in sentences],
            embeddings=vectors,
            metadatas=[
                {"chunk_id": c.chunk_id, "article_id": c.article_id, "i": i}
                for c, i, _ in sentences
            ],
        )
        chunk_vecs = np.zeros((len(pairs), vectors.shape[1]), dtype=np.float32)
        row = 0
        for j, (_, c) in enumerate(pairs):
            n = len(c.sentence_spans)
            chunk_vecs[j] = vectors[row : row + n].mean(axis=0)
            row += n
        chunk_vecs /= np.maximum(np.linalg.norm(chunk_vecs, axis=1, keepdims=True), 1e-12)
        store.upsert(
            ids=[c.chunk_id for _, c in pairs],
            embeddings=chunk_vecs,
            documents=[c.text for _, c in pairs],
            metadatas=[c.metadata(a) for a, c in pairs],
        )
        report.chunks_embedded += len(pairs)
        notify("embedded", len(pairs))
    for p in pending:
        if p.kept:  # same text, but offsets and article metadata may have moved
            store.update_metadata([c.chunk_id for c in p.kept], [c.metadata(p.article) for c in p.kept])
        if p.stale_ids:
            store.delete(p.stale_ids)  # chunks first: a chunk never outlives its sentences
        (report.updated if p.status == "updated" else report.added).append(p.label)


def _prune(store: ChunkStore, report: IngestReport) -> None:
    """Remove articles whose source file is gone (URL articles are kept)."""
    gone: dict[str, list[str]] = {}
    for chunk in store.iter_all(include_documents=False):
        path = chunk.meta.get("path")
        if path and not Path(path).exists():
            gone.setdefault(str(path), []).append(chunk.chunk_id)
    for path, ids in sorted(gone.items()):
        store.delete(ids)
        report.removed.append(path)
