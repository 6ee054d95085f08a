"""Incremental, crash-safe ingestion: inputs → articles → chunks → embeddings → store.

Chunk ids are content hashes (of the text and the article's version), so an unchanged
article is recognised without embedding anything: its freshly computed id set equals the
stored one (and every chunk has its sentence vectors). Writes go in an order that a kill -9
at any point can only leave *extra* rows, which the next run removes, re-embedding nothing
that was already written: a chunk's sentence vectors (sidecar) before its row in Chroma, a
changed article's new chunks before its old ones are deleted, sidecar vectors after their
chunks, the BM25 index last (it is derived and rebuilt when its fingerprint is stale). The
ingest lock keeps a second ingest out of the data dir.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.ingest.chunk import SCHEMA_VERSION, chunk_article
from index.ingest.copies import CopyIndex, copy_index, group_meta, reconcile
from index.ingest.read import MAX_BYTES, Skipped, iter_inputs, load_input
from index.store import (
    LOCK_NAME,
    SCHEMA_KEY,
    ChunkStore,
    make_private_dir,
    spans_of_meta,
)
from index.text import display
from index.types import Article, Chunk, IngestReport


class Embedder(Protocol):
    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class IngestBusy(RuntimeError):
    """Another ingest holds the data dir's lock."""


# progress(event, value): ("total", n inputs), ("input", 1), ("embedded", n chunks)
Progress = Callable[[str, int], None]

_EMBED_FLUSH = 256  # chunks per embedding round: big enough to batch well across articles
_LOCK_PATIENCE_S = 1.0  # readers probe the lock for microseconds (store.ingest_running)


@contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``<data_dir>/ingest.lock``; released by the OS on kill -9."""
    make_private_dir(data_dir)
    fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + _LOCK_PATIENCE_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise IngestBusy(
                        f"another ingest is running on {data_dir} (lock: {data_dir / LOCK_NAME}); "
                        "wait for it to finish and try again"
                    ) from exc
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


@dataclass
class _Loaded:
    label: str
    article: Article
    chunks: list[Chunk]


@dataclass
class _Pending:
    article: Article
    chunks: list[Chunk]  # to write: embedded, or vectors reused from the old version
    stale_ids: set[str]  # the old version's chunks, deleted once the new ones are in
    status: str  # "added" | "updated"
    label: str


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
    with ingest_lock(data_dir), copy_index(data_dir) as copies:
        items: list[str] = []
        for item in iter_inputs(inputs):
            if isinstance(item, Skipped):
                report.skipped.append((item.input, item.reason))
            else:
                items.append(item)
        notify("total", len(items))

        batch: list[_Loaded] = []
        pending: list[_Pending] = []
        seen_articles: set[str] = set()
        for item in items:
            with report.timer("read"):
                loaded = load_input(item, max_bytes=max_bytes, client=http_client)
            notify("input", 1)
            if isinstance(loaded, Skipped):
                report.skipped.append((loaded.input, loaded.reason))
                continue
            if loaded.article_id in seen_articles:
                continue
            seen_articles.add(loaded.article_id)
            label = loaded.path or loaded.url or item
            report.notes.extend((label, note) for note in loaded.notes)
            with report.timer("segment"):
                chunks = chunk_article(loaded, embedder.count_tokens, max_tokens)
            if not chunks:
                report.skipped.append((item, "no indexable text after cleaning"))
                continue
            batch.append(_Loaded(loaded.path or loaded.url or item, loaded, chunks))
            if sum(len(b.chunks) for b in batch) >= _EMBED_FLUSH:
                pending += _classify(store, batch, report)
                batch = []
            if sum(len(p.chunks) for p in pending) >= _EMBED_FLUSH:
                _flush(store, embedder, pending, report, notify, copies)
                pending = []
        pending += _classify(store, batch, report)
        _flush(store, embedder, pending, report, notify, copies)
        if prune:
            _prune(store, report)
        with report.timer("write"):
            store.drop_orphans()  # a killed run's, if any
            reconcile(copies, store)
    return report


def _classify(store: ChunkStore, batch: list[_Loaded], report: IngestReport) -> list[_Pending]:
    """Compare a batch of articles with what is stored (one query), report the unchanged.

    A stored chunk without its sentence vectors (an index of the old layout) is written
    again, so such an index upgrades itself on the next ingest.
    """
    if not batch:
        return []
    stored = store.stored_chunk_state([b.article.article_id for b in batch])
    out: list[_Pending] = []
    for b in batch:
        state = stored.get(b.article.article_id, {})
        existing = set(state)
        new_ids = {c.chunk_id for c in b.chunks}
        if existing == new_ids and all(state.values()):
            report.unchanged.append(b.label)
            continue
        to_write = [c for c in b.chunks if not state.get(c.chunk_id, False)]
        status = "updated" if existing else "added"
        out.append(_Pending(b.article, to_write, existing - new_ids, status, b.label))
    return out


ReuseKey = tuple[str, str, tuple[tuple[int, int], ...]]


def _reuse_key(
    article_id: str, text: str, start: int, spans: Sequence[tuple[int, int]]
) -> ReuseKey:
    return article_id, text, tuple((s - start, e - start) for s, e in spans)


def _reusable(
    store: ChunkStore, stale_ids: list[str]
) -> dict[ReuseKey, tuple[np.ndarray, np.ndarray]]:
    """``(chunk vector, sentence vectors)`` of an edited article's old chunks, by text and
    sentence split (the chunk vector as stored: it was computed before float16 rounding)."""
    out: dict[ReuseKey, tuple[np.ndarray, np.ndarray]] = {}
    for chunk, vec, sentences in store.stored_vectors(stale_ids):
        spans = spans_of_meta(chunk.meta)
        if spans and len(sentences) == len(spans):
            start = int(chunk.meta.get("start", 0))
            key = _reuse_key(str(chunk.meta.get("article_id", "")), chunk.text, start, spans)
            out[key] = (vec, sentences)
    return out


def _flush(
    store: ChunkStore,
    embedder: Embedder,
    pending: list[_Pending],
    report: IngestReport,
    notify: Progress,
    copies: CopyIndex,
) -> None:
    """Embed every pending chunk in one round, write them, then delete what they replace.

    Sentences are embedded one by one (the composer scores sentences, and a query must not
    pay for embedding them); a chunk's vector is the normalised mean of its own. An edited
    article's chunks get new ids (they hash its version), but those whose text did not
    change take their sentence vectors from the old chunks instead of the embedder. Each
    article is grouped with its wire copies (``copies``) before its chunks are written.
    """
    if not pending:
        return
    with report.timer("group"):
        grouped = {p.article.article_id: group_meta(copies, p.article) for p in pending}
    pairs = [(p.article, c) for p in pending for c in p.chunks]
    if pairs:
        reuse = _reusable(store, [cid for p in pending for cid in p.stale_ids])
        reused = [
            reuse.get(_reuse_key(a.article_id, c.text, c.start, c.sentence_spans))
            for a, c in pairs
        ]
        per_chunk: list[np.ndarray | None] = [r[1] if r else None for r in reused]
        fresh = [j for j, m in enumerate(per_chunk) if m is None]
        texts = [  # what a reader sees of a sentence is what gets embedded
            display(pairs[j][0].text[s:e]) for j in fresh for s, e in pairs[j][1].sentence_spans
        ]
        with report.timer("embed"):
            vectors = embedder.embed(texts) if texts else None
        row = 0
        for j in fresh:
            n = len(pairs[j][1].sentence_spans)
            per_chunk[j] = vectors[row : row + n] if vectors is not None else None
            row += n
        matrices = [m for m in per_chunk if m is not None]
        assert len(matrices) == len(pairs)  # every chunk has at least one sentence
        chunk_vecs = np.stack(
            [np.asarray(m, dtype=np.float32).mean(axis=0) for m in matrices]
        )
        chunk_vecs /= np.maximum(np.linalg.norm(chunk_vecs, axis=1, keepdims=True), 1e-12)
        for j, r in enumerate(reused):
            if r is not None:
                chunk_vecs[j] = r[0]
        today = date.today().isoformat()
        with report.timer("write"):
            store.upsert(
                ids=[c.chunk_id for _, c in pairs],
                embeddings=chunk_vecs,
                documents=[c.text for _, c in pairs],
                metadatas=[
                    c.metadata(a) | {SCHEMA_KEY: SCHEMA_VERSION, "ingested": today}
                    | grouped[a.article_id]
                    for a, c in pairs
                ],
                sentence_vectors=matrices,
            )
        report.chunks_embedded += len(fresh)
        notify("embedded", len(fresh))
    stale = [cid for p in pending for cid in p.stale_ids]
    if stale:
        with report.timer("write"):
            store.delete(stale)
    for p in pending:
        (report.updated if p.status == "updated" else report.added).append(p.label)


def _prune(store: ChunkStore, report: IngestReport) -> None:
    """Remove articles whose source file is gone (URL articles are kept)."""
    gone = sorted(
        (a for a in store.refresh_bm25().articles if a.path and not Path(a.path).exists()),
        key=lambda a: str(a.path),
    )
    if not gone:
        return
    stored = store.stored_chunks([a.article_id for a in gone])
    store.delete([cid for a in gone for cid in stored.get(a.article_id, ())])
    report.removed.extend(str(a.path) for a in gone)


# -- already-read articles (feeds) ------------------------------------------------------------


def ingest_articles(
    store: ChunkStore,
    embedder: Embedder,
    articles: Sequence[Article],
    *,
    data_dir: Path,
    max_tokens: int = 200,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest articles that were read elsewhere (feed entries fetched outside the lock).

    Same guarantees as :func:`ingest` (content-hash ids, unchanged articles cost nothing,
    crash-safe write order, the ingest lock): only the reading step is skipped. Labels in
    the report are the article's URL, else its path, else its title.
    """
    report = IngestReport()
    notify: Progress = progress or (lambda _e, _n: None)
    with ingest_lock(data_dir), copy_index(data_dir) as copies:
        batch: list[_Loaded] = []
        seen: set[str] = set()
        for article in articles:
            label = article.url or article.path or article.title
            if article.article_id in seen:
                continue
            seen.add(article.article_id)
            report.notes.extend((label, note) for note in article.notes)
            chunks = chunk_article(article, embedder.count_tokens, max_tokens)
            if not chunks:
                report.skipped.append((label, "no indexable text after cleaning"))
                continue
            batch.append(_Loaded(label, article, chunks))
        pending: list[_Pending] = []
        for i in range(0, len(batch), 64):  # one stored-state query per 64 articles
            pending += _classify(store, batch[i : i + 64], report)
            if sum(len(p.chunks) for p in pending) >= _EMBED_FLUSH:
                _flush(store, embedder, pending, report, notify, copies)
                pending = []
        _flush(store, embedder, pending, report, notify, copies)
        store.drop_orphans()
        reconcile(copies, store)
    return report
