"""Chunk storage: Chroma for vectors (persistent or client/server) and a BM25 index beside it.

Chroma is the source of truth: one collection of chunks (text, flat metadata, the normalised
mean of their sentence vectors). A chunk's sentence vectors ride in its own metadata
(``svec``: float16, base64), since they are only ever fetched by chunk id, never searched: no
second HNSW index to hold in memory, and a chunk and its sentence vectors are one atomic
write. The BM25 index is derived: it lives in ``<data_dir>/bm25/<fingerprint>/``, named
after a hash of the chunk-id set it was built from (ids hash the article's version, so any
edit moves the set).
A reader that finds no index for the collection's current fingerprint (after a crash,
another process's ingest, or a shared Chroma server changing) rebuilds it from the
collection. In server mode each bot process keeps its own copy beside it; the limit: a
remote change that keeps the chunk count is seen by another process only at its next full
check (every ``_RECHECK_S``).

Embedded mode and several processes: Chroma's ``PersistentClient`` reads new rows written by
another process, but its in-memory vector index stays as it was when opened. So when the
index changed under us (chunk count or BM25 directory moved, and not by our own writes), the
client is reopened. Writers are serialised by the ingest lock (``ingest.py``).
"""

from __future__ import annotations

import base64
import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from index.config import IndexConfig
from index.types import ArticleInfo

log = logging.getLogger(__name__)

SYNC_TTL_S = 0.5

_GET_BATCH = 2000
_ID_PAGE = 10_000
_RECHECK_S = 30.0  # full fingerprint check at least this often (count-preserving changes)
_TMP_MAX_AGE_S = 600.0  # a BM25 temp dir older than this was left by a killed process
LOCK_NAME = "ingest.lock"
ANN_KEY = "ann"  # chunk metadata: per-sentence entities (index.types.encode_annotations)
SCHEMA_KEY = "schema"  # chunk metadata: the ingest schema that wrote it (ingest.chunk)
SVEC_KEY = "svec"  # chunk metadata: its sentence vectors, see ``encode_sentence_vectors``

T = TypeVar("T")


class StoreUnavailable(RuntimeError):
    """The Chroma server cannot be reached: the message says which host and what to check."""


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    meta: dict[str, Any]


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it readable by the owner only: the data dir
    holds chat history. Also applied to an existing dir (another component may have made it
    first with the umask's mode); one we do not own is left as it is."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # not ours, or a read-only mount: leave it as it is
        path.chmod(0o700)  # mkdir's mode is filtered by the umask
    return path


def ingest_running(data_dir: Path) -> bool:
    """True while some process (or thread) holds the ingest lock of ``data_dir``.

    Probes with a shared lock held for microseconds; ``ingest_lock`` retries briefly so the
    probe never makes a starting ingest report "busy".
    """
    try:
        fd = os.open(data_dir / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno in (errno.EAGAIN, errno.EACCES)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


# -- connecting -------------------------------------------------------------------------------


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def _open_client(cfg: IndexConfig) -> Any:
    if not cfg.server_mode:
        import chromadb

        path = _local_path(cfg)
        try:
            return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
        except Exception as exc:
            from index.datadir import DiskFull, forget_chroma_system, is_disk_full, read_only_copy

            forget_chroma_system(path)
            # Chroma writes when it opens: on a full disk, answer from a copy elsewhere.
            if not is_disk_full(exc) or not (path / "chroma.sqlite3").exists():
                raise
            log.warning("%s; answering from a temporary copy of the index meanwhile",
                        DiskFull(cfg.data_dir, what="opening the index"))
            return chromadb.PersistentClient(
                path=str(read_only_copy(path)), settings=_chroma_settings()
            )
    # chromadb's HttpClient has no timeout option (its httpx session waits forever), so a
    # plain heartbeat with our timeout goes first (before chromadb's ~2 s import), then the
    # session gets the same timeout.
    _preflight(cfg)
    import chromadb

    try:
        client = chromadb.HttpClient(
            host=cfg.chroma_host or "localhost",
            port=cfg.chroma_port,
            ssl=cfg.chroma_ssl,
            headers=dict(cfg.chroma_headers) or None,
            settings=_chroma_settings(),
        )
    except Exception as exc:
        raise StoreUnavailable(_server_hint(cfg, exc)) from exc
    _set_timeout(client, cfg.chroma_timeout_s)
    return client


def _local_path(cfg: IndexConfig) -> Path:
    """Where embedded Chroma opens the index: in the data dir, or, when that is read-only,
    a private copy (Chroma cannot open a database it may not write; ``index.datadir``)."""
    from index.datadir import ReadOnlyDataDir, read_only_copy, writable

    sqlite = cfg.chroma_dir / "chroma.sqlite3"
    if writable(cfg.data_dir) and writable(cfg.chroma_dir) and (
        not sqlite.exists() or os.access(sqlite, os.W_OK)
    ):
        make_private_dir(cfg.data_dir)
        return cfg.chroma_dir
    if not sqlite.exists():
        raise ReadOnlyDataDir(cfg.data_dir, "creating the index")
    return read_only_copy(cfg.chroma_dir)


def _server_url(cfg: IndexConfig) -> str:
    host = cfg.chroma_host or "localhost"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    return f"{'https' if cfg.chroma_ssl else 'http'}://{host}:{cfg.chroma_port}"


def _preflight(cfg: IndexConfig) -> None:
    import httpx

    try:
        resp = httpx.get(
            _server_url(cfg) + "/api/v2/heartbeat",
            headers=cfg.chroma_headers,
            timeout=cfg.chroma_timeout_s,
        )
    except (httpx.HTTPError, OSError) as exc:
        raise StoreUnavailable(_server_hint(cfg, exc)) from exc
    if resp.status_code in (401, 403):
        raise StoreUnavailable(
            f"Chroma server at {cfg.chroma_host}:{cfg.chroma_port} refused the credentials "
            f"(HTTP {resp.status_code}). Check NEWSQA_CHROMA_AUTH_TOKEN/NEWSQA_CHROMA_AUTH_HEADER."
        )
    if resp.status_code >= 400:
        raise StoreUnavailable(_server_hint(cfg, RuntimeError(f"HTTP {resp.status_code}")))


def _set_timeout(client: Any, seconds: float) -> None:
    """Give chromadb's httpx session (``timeout=None`` upstream) our timeout."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds)


def _server_hint(cfg: IndexConfig, exc: BaseException) -> str:
    text = str(exc).strip()
    reason = text.splitlines()[0][:160] if text else type(exc).__name__
    if reason.startswith("[Errno"):
        reason = reason.split("]", 1)[-1].strip()
    if _is_timeout(exc):
        reason = f"no answer within {cfg.chroma_timeout_s:g} s"
    return (
        f"Chroma server at {cfg.chroma_host}:{cfg.chroma_port} is unavailable ({reason}). "
        "Check that it is running (chroma run --path DIR --port N) and that "
        "NEWSQA_CHROMA_HOST/NEWSQA_CHROMA_PORT point at it."
    )


def _causes(exc: BaseException) -> Iterable[BaseException]:
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _is_timeout(exc: BaseException) -> bool:
    import httpx

    return any(isinstance(e, (httpx.TimeoutException, TimeoutError)) for e in _causes(exc))


def _is_connection_error(exc: BaseException) -> bool:
    import httpx

    for seen in _causes(exc):
        if isinstance(seen, (httpx.TransportError, ConnectionError, TimeoutError)):
            return True
        name = type(seen).__name__.lower()
        if "connect" in name or "timeout" in name:
            return True
    return False


def _is_stale_connection(exc: BaseException) -> bool:
    """The server closed a kept-alive connection (it restarted): one retry is worth it."""
    import httpx

    return any(isinstance(e, httpx.RemoteProtocolError) for e in _causes(exc))


def _forget_system(client: Any) -> None:
    """Drop chromadb's per-path cached system so the next ``PersistentClient`` loads afresh.

    Other handles on the old system keep working (stale); chromadb 1.5 internals, pinned.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    ident = client._identifier
    SharedSystemClient._identifier_to_system.pop(ident, None)
    SharedSystemClient._identifier_to_refcount.pop(ident, None)


# -- the store --------------------------------------------------------------------------------


class ChunkStore:
    """The collection of chunks plus the BM25 index derived from it."""

    def __init__(self, cfg: IndexConfig) -> None:
        self.cfg = cfg
        self._client = _open_client(cfg)
        self._broken = False  # server mode: reopen the collections before the next call
        self._collection = self._open_collection()
        self._drop_legacy_sentences()
        self._bm25_lock = threading.Lock()
        self._bm25: _Bm25 | None = None
        self._bm25_key: tuple[int, float] = (-1, -1.0)
        self._bm25_checked = 0.0
        self._seen: tuple[int, float] | None = None  # embedded mode: last state we knew of
        # One answer asks for the chunk count several times (vector search, BM25, idf,
        # outlets), ~1 ms each at 5k chunks: a check younger than this is reused.
        self._synced: tuple[float, int] | None = None

    def _open_collection(self) -> Any:
        try:
            return self._client.get_or_create_collection(
                name=self.cfg.collection,
                embedding_function=None,  # never let Chroma download its own model
                metadata={"hnsw:space": "cosine"},
            )
        except Exception as exc:
            if self.cfg.server_mode and _is_connection_error(exc):
                self._broken = True
                raise StoreUnavailable(_server_hint(self.cfg, exc)) from exc
            raise

    def _drop_legacy_sentences(self) -> None:
        """Delete the ``<name>_sentences`` collection of the old layout, if any.

        Its chunks lack ``svec``; the next ingest re-embeds them (``ingest._classify``) and
        until then answers fall back to the chunk vector.
        """
        with contextlib.suppress(Exception):  # absent, or a read-only data dir
            self._client.delete_collection(self.cfg.collection + "_sentences")

    def _guard(self, fn: Callable[[], T]) -> T:
        """Turn connection failures in server mode into one clear ``StoreUnavailable``.

        After a failure the next call reopens the collections, so a store recovers by itself
        once the server is back (``Engine.reset_store`` is not needed, but harmless).
        """
        if self._broken:
            self._collection = self._open_collection()
            self._broken = False
        try:
            return fn()
        except Exception as exc:
            if not (self.cfg.server_mode and _is_connection_error(exc)):
                raise
            if _is_stale_connection(exc):  # a pooled connection from before a restart
                with contextlib.suppress(Exception):
                    return fn()
            self._broken = True
            raise StoreUnavailable(_server_hint(self.cfg, exc)) from exc

    @property
    def is_copy(self) -> bool:
        """True when answering from a temporary copy (read-only or full data dir): writes
        would be lost, so ``Engine.ingest`` refuses to run on such a store."""
        if self.cfg.server_mode:
            return False
        settings = getattr(self._client, "get_settings", lambda: None)()
        where = getattr(settings, "persist_directory", None)
        return where is not None and Path(where) != self.cfg.chroma_dir

    def _wrote(self) -> None:
        """Our own write: the next ``_sync`` takes the new state as known, no reopen."""
        self._seen = None

    def _sync(self) -> int:
        """The chunk count; in embedded mode, reopen when another process changed the index."""
        now = time.monotonic()
        if self._synced is not None and now - self._synced[0] < SYNC_TTL_S:
            return self._synced[1]
        n = self._sync_now()
        self._synced = (time.monotonic(), n)
        return n

    def _sync_now(self) -> int:
        n = self.count()
        if self.cfg.server_mode:
            return n
        key = (n, _mtime(self.cfg.bm25_dir))
        if self._seen is None:
            self._seen = key
        elif key != self._seen and not ingest_running(self.cfg.data_dir):
            # (while another ingest runs, ``_seen`` is kept so the reopen happens after it)
            with contextlib.suppress(Exception):  # keep answering from stale handles
                _forget_system(self._client)
                self._client = _open_client(self.cfg)
                self._collection = self._open_collection()
            n = self.count()
            self._seen = (n, key[1])
        return n

    # -- writes -----------------------------------------------------------------------------

    def upsert(
        self,
        ids: Sequence[str],
        embeddings: np.ndarray,
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        self._synced = None  # our own write: the next read re-checks
        for i in range(0, len(ids), _GET_BATCH):
            sl = slice(i, i + _GET_BATCH)
            self._guard(
                lambda sl=sl: self._collection.upsert(  # type: ignore[misc]
                    ids=list(ids[sl]),
                    embeddings=embeddings[sl],
                    documents=list(documents[sl]),
                    metadatas=list(metadatas[sl]),
                )
            )
        self._wrote()

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        self._synced = None  # our own write: the next read re-checks
        for i in range(0, len(ids), _GET_BATCH):
            sl = slice(i, i + _GET_BATCH)
            self._guard(
                lambda sl=sl: self._collection.update(  # type: ignore[misc]
                    ids=list(ids[sl]), metadatas=list(metadatas[sl])
                )
            )
        self._wrote()

    def delete(self, ids: Iterable[str]) -> None:
        self._synced = None  # our own write: the next read re-checks
        ids = list(ids)
        for i in range(0, len(ids), _GET_BATCH):
            batch = ids[i : i + _GET_BATCH]
            self._guard(lambda batch=batch: self._collection.delete(ids=batch))  # type: ignore[misc]
        self._wrote()

    # -- reads ------------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._guard(lambda: self._collection.count()))

    def article_chunks(self, article_id: str, *, embeddings: bool = False) -> dict[str, Any]:
        include = ["metadatas", "documents"] + (["embeddings"] if embeddings else [])
        return dict(
            self._guard(
                lambda: self._collection.get(where={"article_id": article_id}, include=include)
            )
        )

    def stored_chunks(self, article_ids: Sequence[str]) -> dict[str, set[str]]:
        """``article_id -> chunk ids`` stored for many articles, in one query."""
        return {
            aid: set(chunks) for aid, chunks in self.stored_chunk_state(article_ids).items()
        }

    def stored_chunk_state(self, article_ids: Sequence[str]) -> dict[str, dict[str, bool]]:
        """``article_id -> {chunk id: has its sentence vectors}``, in one query.

        A chunk without ``svec`` (written by the old two-collection layout) is not complete.
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
        for cid, meta in zip(res["ids"], res["metadatas"], strict=True):
            meta = meta or {}
            complete = decode_sentence_vectors(meta) is not None
            out.setdefault(str(meta.get("article_id")), {})[cid] = complete
        return out

    def outdated_sources(self, schema: int) -> list[str]:
        """Path (or URL) of every article with chunks written by another ingest schema.

        An id-only read of all chunks and of the current ones (~0.1 s per 20k), then the
        metadata of the outdated ones only.
        """
        current = self._guard(
            lambda: self._collection.get(where={SCHEMA_KEY: schema}, include=[])
        )["ids"]
        stale = sorted(set(self._all_ids()) - set(current))
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
        return list(found)

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
        for cid, doc, meta, emb in zip(
            res["ids"], res["documents"], res["metadatas"], res["embeddings"], strict=True
        ):
            sentences = decode_sentence_vectors(meta or {})
            chunk = StoredChunk(cid, doc or "", dict(meta or {}))
            vec = np.asarray(emb, dtype=np.float32)
            out.append((chunk, vec, empty if sentences is None else sentences))
        return out

    def sentence_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """``chunk_id -> (n_sentences, dim)`` float32 vectors, in sentence order.

        Chunks without (valid) ``svec`` are left out; callers fall back to the chunk vector.
        Callers already holding a chunk's metadata can use ``decode_sentence_vectors``.
        """
        if not chunk_ids:
            return {}
        ids = list(dict.fromkeys(chunk_ids))
        res = self._guard(lambda: self._collection.get(ids=ids, include=["metadatas"]))
        out: dict[str, np.ndarray] = {}
        for cid, meta in zip(res["ids"], res["metadatas"], strict=True):
            mat = decode_sentence_vectors(meta or {})
            if mat is not None:
                out[cid] = mat
        return out

    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        if not ids:
            return []
        res = self._guard(
            lambda: self._collection.get(ids=list(ids), include=["documents", "metadatas"])
        )
        by_id = {
            cid: StoredChunk(cid, doc or "", dict(meta or {}))
            for cid, doc, meta in zip(res["ids"], res["documents"], res["metadatas"], strict=True)
        }
        return [by_id[c] for c in ids if c in by_id]

    def iter_all(self, include_documents: bool = True) -> Iterable[StoredChunk]:
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
            docs = res.get("documents") or [""] * len(ids)
            for cid, doc, meta in zip(ids, docs, res["metadatas"], strict=True):
                yield StoredChunk(cid, doc or "", dict(meta or {}))
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
        out = []
        for cid, doc, meta, dist in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0],
            strict=True,
        ):
            out.append((StoredChunk(cid, doc or "", dict(meta or {})), 1.0 - float(dist)))
        return out

    def articles(self) -> list[ArticleInfo]:
        """Indexed articles, from the BM25 manifest (rebuilt from the collection if stale)."""
        return self.bm25().articles

    # -- BM25 ---------------------------------------------------------------------------------

    def bm25(self) -> _Bm25:
        """The BM25 index for the collection's current chunk set.

        Per query only the chunk count and the BM25 directory's mtime are compared; the id
        fingerprint is computed when either moved (or every ``_RECHECK_S``). While an ingest
        holds the lock, the last complete index keeps serving: chunks it lists that are gone
        are dropped by the caller's ``get``, new ones are still found by the vector side.
        """
        with self._bm25_lock:
            n = self._sync()
            key = (n, _mtime(self.cfg.bm25_dir))
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

    def refresh_bm25(self) -> _Bm25:
        """Bring the BM25 index in line with the collection now (the end of an ingest)."""
        with self._bm25_lock:
            return self._refresh((self.count(), _mtime(self.cfg.bm25_dir)))

    def rebuild_bm25(self) -> None:
        """Kept for callers of the first version: same as ``refresh_bm25``."""
        self.refresh_bm25()

    def _refresh(self, key: tuple[int, float]) -> _Bm25:
        fp = _fingerprint(self._all_ids())
        bm = self._bm25 if self._bm25 is not None and self._bm25.fingerprint == fp else None
        on_disk = self.cfg.bm25_dir / _dir_name(fp)
        bm = bm or _Bm25.load(on_disk, fp)
        if bm is None:
            # the fingerprint of what was read, not of before; sentence vectors are not
            # needed here and would hold ~2 KB per chunk in memory until the build ends
            chunks = [
                StoredChunk(c.chunk_id, c.text, {k: v for k, v in c.meta.items() if k != SVEC_KEY})
                for c in self.iter_all()
            ]
            bm = _Bm25.build(chunks, _fingerprint(c.chunk_id for c in chunks))
            with contextlib.suppress(OSError):  # read-only data dir: keep it in memory
                bm.save(self.cfg.bm25_dir, replace=bm.fingerprint == fp and on_disk.exists())
                self._wrote()
            key = (key[0], _mtime(self.cfg.bm25_dir))
        self._bm25, self._bm25_key, self._bm25_checked = bm, key, time.monotonic()
        return bm

    def _all_ids(self) -> list[str]:
        return self._ids_of(self._collection)

    def _ids_of(self, collection: Any) -> list[str]:
        """Every id: an id-only read (20k ids ~0.1 s; with metadata it is ~40x slower)."""
        out: list[str] = []
        offset = 0
        while True:
            res = self._guard(
                lambda offset=offset: collection.get(  # type: ignore[misc]
                    include=[], limit=_ID_PAGE, offset=offset
                )
            )
            out.extend(res["ids"])
            if len(res["ids"]) < _ID_PAGE:
                return out
            offset += len(res["ids"])


def encode_sentence_vectors(vectors: np.ndarray) -> str:
    """A chunk's ``(n_sentences, dim)`` vectors as one metadata string: float16
    little-endian, base64. Half precision keeps cosine > 0.999 at half the bytes."""
    data = np.ascontiguousarray(vectors, dtype="<f2").tobytes()
    return base64.b64encode(data).decode("ascii")


def decode_sentence_vectors(meta: dict[str, Any]) -> np.ndarray | None:
    """The chunk's sentence vectors (float32, one row per ``sentences`` span) from its
    metadata, or ``None`` when absent or not matching its spans (an index of the old layout).
    """
    raw = meta.get(SVEC_KEY)
    n = len(spans_of_meta(meta))
    if not isinstance(raw, str) or not raw or n == 0:
        return None
    try:
        flat = np.frombuffer(base64.b64decode(raw, validate=True), dtype="<f2")
    except ValueError:  # binascii.Error, or a byte count that is not whole float16s
        return None
    if flat.size == 0 or flat.size % n:
        return None
    return flat.reshape(n, -1).astype(np.float32)


def _fingerprint(chunk_ids: Iterable[str]) -> str:
    """Chunk count plus a hash of the id set: names the BM25 index built from it.

    Chunk ids hash the article's version too (``chunking.chunk_id_for``), so the id set
    moves with any change to text or metadata.
    """
    ordered = sorted(chunk_ids)
    digest = hashlib.sha256("\n".join(ordered).encode()).hexdigest()[:16]
    return f"{len(ordered)}:{digest}"


def _dir_name(fingerprint: str) -> str:
    return fingerprint.replace(":", "-")


def spans_of_meta(meta: dict[str, Any]) -> list[tuple[int, int]]:
    """Absolute sentence spans from a chunk's flat ``sentences`` metadata (``"s:e;s:e"``)."""
    spans = []
    for part in str(meta.get("sentences") or "").split(";"):
        s, _, e = part.partition(":")
        if s.isdigit() and e.isdigit():
            spans.append((int(s), int(e)))
    return spans


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


class _Bm25:
    """bm25s over chunk text plus title and outlet (questions name both)."""

    def __init__(
        self,
        retriever: Any,
        chunk_ids: list[str],
        articles: list[ArticleInfo],
        fingerprint: str,
    ) -> None:
        self.retriever = retriever
        self.chunk_ids = chunk_ids
        self.articles = articles
        self.fingerprint = fingerprint

    @staticmethod
    def tokenize(texts: list[str]) -> Any:
        return _bm25s().tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)

    @classmethod
    def build(cls, chunks: list[StoredChunk], fingerprint: str) -> _Bm25:
        bm25s = _bm25s()
        chunks = sorted(chunks, key=lambda c: c.chunk_id)
        articles = _aggregate_articles(chunks)
        retriever = None
        if chunks:
            corpus = [  # the subheading a chunk sits under is search context for it
                f"{c.meta.get('title', '')}\n{c.meta.get('source', '')}\n"
                f"{c.meta.get('heading', '')}\n{c.text}"
                for c in chunks
            ]
            retriever = bm25s.BM25()
            try:
                retriever.index(cls.tokenize(corpus), show_progress=False)
            except ValueError:  # bm25s fails on an empty vocabulary (only stopwords)
                retriever = None
        return cls(retriever, [c.chunk_id for c in chunks], articles, fingerprint)

    def save(self, root: Path, *, replace: bool = False) -> Path:
        """Write ``root/<fingerprint>/`` via a temp dir and a rename, then drop older indexes.

        Directories are named by content, so two processes saving at once write the same
        thing and a reader never sees half an index. ``replace`` moves aside a damaged one.
        """
        make_private_dir(root)
        final = root / _dir_name(self.fingerprint)
        tag = f"{os.getpid()}-{threading.get_ident()}"
        if replace and final.exists():
            bad = root / f".tmp-bad-{tag}"
            with contextlib.suppress(OSError):
                final.rename(bad)
            shutil.rmtree(bad, ignore_errors=True)
        if not final.exists():
            tmp = root / f".tmp-{tag}"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            if self.retriever is not None:
                self.retriever.save(str(tmp / "bm25"))
            manifest = {
                "fingerprint": self.fingerprint,
                "chunk_ids": self.chunk_ids,
                "articles": [a.to_json() for a in self.articles],
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
            try:
                tmp.rename(final)
            except OSError:  # another process saved the same index first
                shutil.rmtree(tmp, ignore_errors=True)
        _clean(root, keep=final.name)
        return final

    @classmethod
    def load(cls, directory: Path, fingerprint: str) -> _Bm25 | None:
        """The index saved in ``directory`` if it is complete and for ``fingerprint``."""
        bm25s = _bm25s()

        try:
            manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("fingerprint") != fingerprint:
                return None
            retriever = None
            if manifest["chunk_ids"]:
                retriever = bm25s.BM25.load(str(directory / "bm25"), mmap=False)
            articles = [ArticleInfo(**a) for a in manifest["articles"]]
        except Exception:  # missing, half-deleted by a concurrent clean-up, or corrupt
            return None
        return cls(retriever, manifest["chunk_ids"], articles, manifest["fingerprint"])

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        """BM25 idf of stemmed terms over the chunks; unseen terms get the maximum."""
        n = len(self.chunk_ids)
        out: dict[str, float] = {}
        vocab = getattr(self.retriever, "vocab_dict", None) or {}
        indptr = self.retriever.scores["indptr"] if self.retriever is not None else None
        for term in terms:
            tid = vocab.get(term)
            df = int(indptr[tid + 1] - indptr[tid]) if tid is not None and indptr is not None else 0
            out[term] = float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))
        return out

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top-``k`` ``(chunk_id, score)`` with a positive score."""
        if self.retriever is None or not self.chunk_ids:
            return []
        tokens = _bm25s().tokenize(
            [query], stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
        )
        if not tokens or not tokens[0]:
            return []
        k = min(k, len(self.chunk_ids))
        docs, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [
            (self.chunk_ids[int(d)], float(s))
            for d, s in zip(docs[0], scores[0], strict=True)
            if s > 0
        ]


def _clean(root: Path, *, keep: str) -> None:
    """Remove superseded indexes and temp dirs left by killed processes."""
    now = time.time()
    for entry in root.iterdir():
        if entry.name == keep:
            continue
        if entry.name.startswith(".tmp-") and now - _mtime(entry) < _TMP_MAX_AGE_S:
            continue  # maybe another process is writing it right now
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()


_STEMMER: Any = None


def _bm25s() -> Any:
    """bm25s, with the DEBUG level it sets on its own logger undone (follow the app's)."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


def _aggregate_articles(chunks: list[StoredChunk]) -> list[ArticleInfo]:
    by_id: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for c in chunks:
        aid = str(c.meta.get("article_id", ""))
        counts[aid] = counts.get(aid, 0) + 1
        by_id.setdefault(aid, c.meta)
    out = [
        ArticleInfo(
            article_id=aid,
            title=str(m.get("title", "")),
            source=m.get("source") or None,
            published=m.get("published") or None,
            url=m.get("url") or None,
            path=m.get("path") or None,
            chunks=counts[aid],
        )
        for aid, m in by_id.items()
    ]
    return sorted(out, key=lambda a: (a.published or "", a.title, a.article_id))
