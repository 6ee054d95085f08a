"""The chunk collection in Chroma, the source of truth: text, flat metadata and one vector per
chunk (the normalised mean of its sentence vectors). Sentence vectors are only ever fetched by
chunk id, never searched: embedded, they live in the sidecar (``sidecar.py``); with a server,
in each chunk's metadata (``svec``: float16, base64), since the data dir is not shared.

Embedded mode and several processes: noticing another process's writes is ``changes.py``.

Chroma also writes on the first read after another process's write (it applies its log to
the segments). On a full disk that fails, and the store goes on reading from a private copy
(``open_copy``), as when the open itself fails; writes are refused on a copy.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from index.config import IndexConfig
from index.store.changes import WriteWatch
from index.store.client import (
    StoreUnavailable,
    is_connection_error,
    is_stale_connection,
    open_client,
    open_copy,
    server_hint,
)
from index.store.meta import (
    SVEC_KEY,
    StoredChunk,
    decode_sentence_vectors,
    encode_sentence_vectors,
)
from index.store.sidecar import FILE_NAME, SIDE_KEYS, ChunkSidecar
from index.store.systems import release

_GET_BATCH = 2000
_ID_PAGE = 10_000
# Id-only reads: Chroma pages by offset (each page re-scans the rows before it), so 100k ids
# in pages of 10k took 2.6 s and in one read 0.7 s; 100k ids are ~10 MB.
_IDS_ONLY_PAGE = 100_000

T = TypeVar("T")


class ChromaChunks(WriteWatch):
    """The chunk collection: opening it, noticing other writers (``WriteWatch``), writes,
    reads by id and by vector. Embedded, each chunk's text and sentence vectors are in the
    sidecar; with a server, in its Chroma document and metadata. Reads return both the same
    way."""

    def __init__(self, cfg: IndexConfig) -> None:
        self.cfg = cfg
        self._client = open_client(cfg)
        self._copy_lock = threading.Lock()
        self._broken = False  # server mode: reopen the collections before the next call
        self._collection = self._open_collection()
        self._drop_legacy_sentences()
        # Embedded mode: text and sentence vectors in the sidecar (``sidecar.py``); a
        # server's chunks carry them in Chroma (the data dir is not shared).
        self._side = None if cfg.server_mode else ChunkSidecar(
            cfg.data_dir / FILE_NAME, read_only=self.is_copy
        )
        self._watch_writes()

    def _open_collection(self) -> Any:
        try:
            return self._client.get_or_create_collection(
                name=self.cfg.collection,
                embedding_function=None,  # never let Chroma download its own model
                metadata={"hnsw:space": "cosine"},
            )
        except Exception as exc:
            if self.cfg.server_mode and is_connection_error(exc):
                self._broken = True
                raise StoreUnavailable(server_hint(self.cfg, exc)) from exc
            raise

    def _drop_legacy_sentences(self) -> None:
        """Delete the ``<name>_sentences`` collection of the old layout, if any.

        Its chunks lack ``svec``; the next ingest re-embeds them (``ingest._classify``) and
        until then answers fall back to the chunk vector.
        """
        with contextlib.suppress(Exception):  # absent, or a read-only data dir
            self._client.delete_collection(self.cfg.collection + "_sentences")

    def _guard(self, fn: Callable[[], T], *, write: bool = False) -> T:
        """Turn connection failures in server mode into one clear ``StoreUnavailable``.

        After a failure the next call reopens the collections, so a store recovers by itself
        once the server is back (``Engine.reset_store`` is not needed, but harmless).
        Embedded, a read that fails on a full disk is retried on a private copy.
        """
        if self._broken:
            self._collection = self._open_collection()
            self._broken = False
        if write:
            self._refuse_copy()
        client = self._client
        try:
            return fn()
        except Exception as exc:
            if not self.cfg.server_mode:
                if write or not self._read_from_copy(exc, client):
                    raise
                return fn()
            if not is_connection_error(exc):
                raise
            if is_stale_connection(exc):  # a pooled connection from before a restart
                with contextlib.suppress(Exception):
                    return fn()
            self._broken = True
            raise StoreUnavailable(server_hint(self.cfg, exc)) from exc

    def _read_from_copy(self, exc: BaseException, failed: Any) -> bool:
        """After another process's write, Chroma's first read applies its log to the segments,
        which writes: on a full disk, reopen from a private copy (one warning line) so that
        answering goes on. False when that is not the fault, or when ``failed`` (the client
        the read failed on) was a copy already."""
        from index.datadir import looks_full

        with self._copy_lock:
            if self._client is not failed:
                return True  # another thread switched meanwhile: retry there
            if self.is_copy or not looks_full(exc, self.cfg.data_dir):
                return False
            if not (self.cfg.chroma_dir / "chroma.sqlite3").exists():
                return False
            self._client = open_copy(self.cfg, self.cfg.chroma_dir, "reading the index")
            self._collection = self._open_collection()
            release(failed)
            self._seen = self._counted = self._synced = None
            return True

    def _refuse_copy(self) -> None:
        """Writes to a copy would be lost: a store that went over to one (``_read_from_copy``,
        during an ingest's first reads on a full disk) refuses them."""
        if self.is_copy:
            from index.datadir import DiskFull

            raise DiskFull(self.cfg.data_dir, what="writing the index")

    def retire(self) -> None:
        """Dropped for a reconnect: the Chroma system is stopped once reads on it are done."""
        release(self._client)

    def close(self) -> None:
        """Release the Chroma system and the sidecar's connection (their files and sockets)."""
        release(self._client, now=True)
        if self._side is not None:
            self._side.close()

    @property
    def is_copy(self) -> bool:
        """True when answering from a temporary copy (read-only or full data dir): writes
        would be lost, so ``Engine.ingest`` refuses to run on such a store."""
        if self.cfg.server_mode:
            return False
        settings = getattr(self._client, "get_settings", lambda: None)()
        where = getattr(settings, "persist_directory", None)
        return where is not None and Path(where) != self.cfg.chroma_dir

    def upsert(
        self,
        ids: Sequence[str],
        embeddings: np.ndarray,
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
        sentence_vectors: Sequence[np.ndarray | None] | None = None,
    ) -> None:
        """Write chunks: ``embeddings`` ``(n, dim)`` unit vectors, texts, flat ``metadatas``
        and, per chunk, its ``(n_sentences, dim)`` sentence vectors (or an ``SVEC_KEY`` string
        in its metadata). Embedded: text and vectors go to the sidecar first, committed, then
        the rows to Chroma (a crash leaves only sidecar rows without a chunk, see ``sidecar``)."""
        self._refuse_copy()
        self._synced = None  # our own write: the next read re-checks
        metas = [dict(m) for m in metadatas]
        mats: list[np.ndarray | None] = (
            list(sentence_vectors) if sentence_vectors is not None
            else [decode_sentence_vectors(m) for m in metas]
        )
        docs: list[str] | None = list(documents)
        if self._side is None:
            for m, mat in zip(metas, mats, strict=True):
                if mat is not None:
                    m[SVEC_KEY] = encode_sentence_vectors(mat)
        else:
            sides = [{k: m.pop(k) for k in SIDE_KEYS if k in m} for m in metas]
            self._side.put(list(zip(ids, documents, sides, mats, strict=True)))
            for m in metas:
                m.pop(SVEC_KEY, None)
            docs = None
        for i in range(0, len(ids), _GET_BATCH):
            sl = slice(i, i + _GET_BATCH)
            self._guard(
                lambda sl=sl: self._collection.upsert(  # type: ignore[misc]
                    ids=list(ids[sl]),
                    embeddings=embeddings[sl],
                    documents=None if docs is None else docs[sl],
                    metadatas=metas[sl],
                ),
                write=True,
            )
        self._wrote()

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        self._synced = None  # our own write: the next read re-checks
        for i in range(0, len(ids), _GET_BATCH):
            sl = slice(i, i + _GET_BATCH)
            self._guard(
                lambda sl=sl: self._collection.update(  # type: ignore[misc]
                    ids=list(ids[sl]), metadatas=list(metadatas[sl])
                ),
                write=True,
            )
        self._wrote()

    def delete(self, ids: Iterable[str]) -> None:
        self._synced = None  # our own write: the next read re-checks
        ids = list(ids)
        for i in range(0, len(ids), _GET_BATCH):
            batch = ids[i : i + _GET_BATCH]
            self._guard(
                lambda batch=batch: self._collection.delete(ids=batch),  # type: ignore[misc]
                write=True,
            )
        if self._side is not None:  # after the rows: a crash leaves sidecar rows, not chunks
            self._side.delete(ids)
        self._wrote()

    def drop_orphans(self) -> int:
        """Delete sidecar rows whose chunk is not in the collection (a killed ingest's); only
        under the ingest lock, where no write is half done. Returns how many."""
        if self._side is None or self.is_copy:
            return 0
        return self._side.retain(set(self._all_ids()))

    def _chunks(
        self, ids: Sequence[str], docs: Sequence[str | None] | None,
        metas: Sequence[dict[str, Any] | None], *, vectors: bool = True,
    ) -> list[StoredChunk]:
        """``StoredChunk``s from a Chroma result, text, side metadata and (``vectors``)
        sentence vectors filled in from the sidecar: the vectors as a float32 matrix in
        ``meta[SVEC_KEY]``, which ``decode_sentence_vectors`` returns as is, so readers see
        one shape in both modes. Chunks written before the sidecar keep their Chroma
        document and ``svec``."""
        side = self._side.read(ids, vectors=vectors) if self._side is not None else {}
        out = []
        for n, cid in enumerate(ids):
            text, extra, mat = side.get(cid, ("", {}, None))
            meta = dict(metas[n] or {}) | extra
            if mat is not None:
                meta[SVEC_KEY] = mat
            out.append(StoredChunk(cid, (docs[n] if docs else None) or text, meta))
        return out

    def count(self) -> int:
        return int(self._guard(lambda: self._collection.count()))

    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        """Chunks by id, in that order (missing ones left out), with their sentence vectors."""
        if not ids:
            return []
        res = self._guard(
            lambda: self._collection.get(ids=list(ids), include=["documents", "metadatas"])
        )
        chunks = self._chunks(res["ids"], res["documents"], res["metadatas"])
        by_id = {c.chunk_id: c for c in chunks}
        return [by_id[c] for c in ids if c in by_id]

    def article(self, article_id: str) -> list[StoredChunk]:
        """One article's chunks in text order: text and metadata, no sentence vectors."""
        return self.articles_chunks([article_id]).get(article_id, [])

    def articles_chunks(self, article_ids: Sequence[str]) -> dict[str, list[StoredChunk]]:
        """Each article's chunks in text order (one query for all): text and metadata, no
        sentence vectors."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        where: Any = {"article_id": ids[0]} if len(ids) == 1 else {"article_id": {"$in": ids}}
        res = self._guard(lambda: self._collection.get(
            where=where, include=["documents", "metadatas"]))
        out: dict[str, list[StoredChunk]] = {}
        for c in self._chunks(res["ids"], res["documents"], res["metadatas"], vectors=False):
            out.setdefault(str(c.meta.get("article_id", "")), []).append(c)
        for chunks in out.values():
            chunks.sort(key=lambda c: int(c.meta.get("start", 0) or 0))
        return out

    def iter_all(self, include_documents: bool = True) -> Iterable[StoredChunk]:
        """Every chunk, a page at a time: text (unless ``include_documents`` is false) and
        metadata, without sentence vectors."""
        include = ["metadatas"] + (["documents"] if include_documents else [])
        page = _GET_BATCH if include_documents else _ID_PAGE
        offset = 0
        while True:
            res = self._guard(
                lambda offset=offset: self._collection.get(  # type: ignore[misc]
                    include=include, limit=page, offset=offset
                )
            )
            ids = res["ids"]
            if not ids:
                return
            chunks = self._chunks(ids, res.get("documents"), res["metadatas"], vectors=False)
            yield from chunks if include_documents else (
                StoredChunk(c.chunk_id, "", c.meta) for c in chunks
            )
            offset += len(ids)
            if len(ids) < page:
                return

    def vector_search(
        self, embedding: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """Top-``k`` chunks by cosine similarity (1 - Chroma's cosine distance)."""
        n = self._sync()
        if n == 0:
            return []
        res = self._guard(
            lambda: self._collection.query(
                query_embeddings=[embedding],
                n_results=min(k, n),
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        )
        chunks = self._chunks(res["ids"][0], res["documents"][0], res["metadatas"][0])
        return [(c, 1.0 - float(d)) for c, d in zip(chunks, res["distances"][0], strict=True)]

    def _all_ids(self) -> list[str]:
        """Every id: an id-only read (100k ids ~0.7 s; with metadata it is ~40x slower)."""
        out: list[str] = []
        offset = 0
        while True:
            res = self._guard(
                lambda offset=offset: self._collection.get(  # type: ignore[misc]
                    include=[], limit=_IDS_ONLY_PAGE, offset=offset
                )
            )
            out.extend(res["ids"])
            if len(res["ids"]) < _IDS_ONLY_PAGE:
                return out
            offset += len(res["ids"])
