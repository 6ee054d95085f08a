"""``ChunkStore``: the chunk collection (``collection.py``) plus the BM25 index derived from it,
and the queries the ingest asks (what is stored for an article, vectors to reuse).

The BM25 index lives in ``<data_dir>/bm25/<fingerprint>/`` (``bm25.py``). A reader that finds
no index for the collection's current fingerprint (after a crash, another process's ingest,
or a shared Chroma server changing) rebuilds it from the collection. In server mode each bot
process keeps its own copy beside it; the limit: a remote change that keeps the chunk count
is seen by another process only at its next full check (every ``_RECHECK_S``).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Sequence

import numpy as np

from index.config import IndexConfig
from index.store.bm25 import Bm25Index, dir_name, fingerprint
from index.store.changes import ChangeKey
from index.store.collection import ChromaChunks
from index.store.meta import SCHEMA_KEY, SVEC_KEY, StoredChunk, decode_sentence_vectors
from index.store.paths import ingest_running
from index.types import ArticleInfo

_RECHECK_S = 30.0  # full fingerprint check at least this often (count-preserving changes)


class ChunkStore(ChromaChunks):
    """The collection of chunks plus the BM25 index derived from it."""

    def __init__(self, cfg: IndexConfig) -> None:
        super().__init__(cfg)
        self._bm25_lock = threading.Lock()
        self._bm25: Bm25Index | None = None
        self._bm25_key: ChangeKey = (-1, -1.0, "")
        self._bm25_checked = 0.0

    def stored_chunks(self, article_ids: Sequence[str]) -> dict[str, set[str]]:
        """``article_id -> chunk ids`` stored for many articles, in one query."""
        return {
            aid: set(chunks) for aid, chunks in self.stored_chunk_state(article_ids).items()
        }

    def stored_chunk_state(self, article_ids: Sequence[str]) -> dict[str, dict[str, bool]]:
        """``article_id -> {chunk id: has its sentence vectors}``, in one query.

        A chunk without sentence vectors (in the sidecar or, for a server or an index written
        before the sidecar, its ``svec`` metadata) is not complete: the old two-collection
        layout wrote such chunks.
        """
        if not article_ids:
            return {}
        res = self._guard(
            lambda: self._collection.get(
                where={"article_id": {"$in": list(dict.fromkeys(article_ids))}},
                include=["metadatas"],
            )
        )
        out: dict[str, dict[str, bool]] = {}
        in_sidecar = self._side.has_vectors(res["ids"]) if self._side is not None else set()
        for cid, meta in zip(res["ids"], res["metadatas"], strict=True):
            meta = meta or {}
            complete = cid in in_sidecar or decode_sentence_vectors(meta) is not None
            out.setdefault(str(meta.get("article_id")), {})[cid] = complete
        return out

    def outdated_sources(self, schema: int) -> list[str]:
        """Path (or URL) of every article with chunks written by another ingest schema.

        Every front end asks this at start. The answer is a function of the chunk id set
        (a chunk id fixes its metadata, schema included), so it is kept beside the BM25 index
        named by that set's fingerprint (``outdated-<schema>.json``): a start reads the ids
        once, for the BM25 index it needs anyway, instead of scanning the collection (3.8 s
        at 100k chunks).
        """
        bm = self.bm25()
        cache = self.cfg.bm25_dir / dir_name(bm.fingerprint) / f"outdated-{schema}.json"
        with contextlib.suppress(OSError, ValueError):
            cached = json.loads(cache.read_text(encoding="utf-8"))
            if isinstance(cached, list) and all(isinstance(w, str) for w in cached):
                return cached
        found, fp = self._scan_outdated(schema)
        if fp == bm.fingerprint and cache.parent.is_dir():
            with contextlib.suppress(OSError):  # read-only data dir: scan again next time
                tmp = cache.with_name(f".{cache.name}.{os.getpid()}-{threading.get_ident()}")
                tmp.write_text(json.dumps(found), encoding="utf-8")
                tmp.replace(cache)
        return found

    def _scan_outdated(self, schema: int) -> tuple[list[str], str]:
        """``outdated_sources`` by scanning: an id-only read of all chunks and of the current
        ones, then the metadata of the outdated ones only; and the fingerprint of the ids."""
        all_ids = self._all_ids()
        current = self._guard(
            lambda: self._collection.get(where={SCHEMA_KEY: schema}, include=[])
        )["ids"]
        stale = sorted(set(all_ids) - set(current))
        found: dict[str, None] = {}
        for i in range(0, len(stale), 1000):
            batch = stale[i : i + 1000]
            res = self._guard(
                lambda b=batch: self._collection.get(ids=b, include=["metadatas"])  # type: ignore[misc]
            )
            for meta in res["metadatas"]:
                meta = meta or {}
                where = str(meta.get("path") or meta.get("url") or "")
                if where:
                    found[where] = None
        return list(found), fingerprint(all_ids)

    def stored_vectors(
        self, chunk_ids: Sequence[str]
    ) -> list[tuple[StoredChunk, np.ndarray, np.ndarray]]:
        """``(chunk, chunk vector, sentence vectors)`` of stored chunks, to reuse on re-ingest."""
        if not chunk_ids:
            return []
        res = self._guard(
            lambda: self._collection.get(
                ids=list(chunk_ids), include=["documents", "metadatas", "embeddings"]
            )
        )
        empty = np.zeros((0, 0), dtype=np.float32)
        out = []
        chunks = self._chunks(res["ids"], res["documents"], res["metadatas"])
        for chunk, emb in zip(chunks, res["embeddings"], strict=True):
            sentences = decode_sentence_vectors(chunk.meta)
            vec = np.asarray(emb, dtype=np.float32)
            out.append((chunk, vec, empty if sentences is None else sentences))
        return out

    def sentence_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """``chunk_id -> (n_sentences, dim)`` float32 vectors, in sentence order.

        Chunks without (valid) vectors are left out; callers fall back to the chunk vector.
        Chunks from ``get``/``vector_search`` already carry them: ``decode_sentence_vectors``.
        """
        if not chunk_ids:
            return {}
        ids = list(dict.fromkeys(chunk_ids))
        side = self._side.read(ids) if self._side is not None else {}
        out = {cid: mat for cid, (_, _, mat) in side.items() if mat is not None}
        rest = [c for c in ids if c not in out]  # a server, or an index from before the sidecar
        if not rest:
            return out
        res = self._guard(lambda: self._collection.get(ids=rest, include=["metadatas"]))
        for cid, meta in zip(res["ids"], res["metadatas"], strict=True):
            mat = decode_sentence_vectors(meta or {})
            if mat is not None:
                out[cid] = mat
        return out

    def articles(self) -> list[ArticleInfo]:
        """Indexed articles, from the BM25 manifest (rebuilt from the collection if stale)."""
        return self.bm25().articles

    def bm25(self) -> Bm25Index:
        """The BM25 index for the collection's current chunk set.

        Per query only the chunk count, the BM25 directory's mtime and the generation token
        are compared; the id fingerprint is computed when one moved (or every ``_RECHECK_S``).
        While an ingest holds the lock, the last complete index keeps serving: chunks it lists
        that are gone are dropped by the caller's ``get``, new ones are still found by the
        vector side.
        """
        with self._bm25_lock:
            key = self._key(self._sync())
            if self._bm25 is not None:
                # Embedded writers always leave a new BM25 dir behind; a remote writer to a
                # shared server may not move the count, hence the periodic full check.
                fresh = (
                    not self.cfg.server_mode
                    or time.monotonic() - self._bm25_checked < _RECHECK_S
                )
                if (key == self._bm25_key and fresh) or ingest_running(self.cfg.data_dir):
                    return self._bm25
            return self._refresh(key)

    def refresh_bm25(self) -> Bm25Index:
        """Bring the BM25 index in line with the collection now (the end of an ingest)."""
        with self._bm25_lock:
            return self._refresh(self._key(self.count()))

    def rebuild_bm25(self) -> None:
        """Kept for callers of the first version: same as ``refresh_bm25``."""
        self.refresh_bm25()

    def _refresh(self, key: ChangeKey) -> Bm25Index:
        fp = fingerprint(self._all_ids())
        bm = self._bm25 if self._bm25 is not None and self._bm25.fingerprint == fp else None
        on_disk = self.cfg.bm25_dir / dir_name(fp)
        bm = bm or Bm25Index.load(on_disk, fp)
        if bm is None:
            # the fingerprint of what was read, not of before; sentence vectors are not
            # needed here and would hold ~2 KB per chunk in memory until the build ends
            chunks = [
                StoredChunk(c.chunk_id, c.text, {k: v for k, v in c.meta.items() if k != SVEC_KEY})
                for c in self.iter_all()
            ]
            bm = Bm25Index.build(chunks, fingerprint(c.chunk_id for c in chunks))
            try:
                bm.save(self.cfg.bm25_dir, replace=bm.fingerprint == fp and on_disk.exists())
            except OSError:  # read-only or full data dir: keep it in memory
                pass
            finally:  # even a failed save may have touched the folder: our change, no reopen
                self._wrote()
            key = self._key(key[0])
        self._bm25, self._bm25_key, self._bm25_checked = bm, key, time.monotonic()
        return bm
