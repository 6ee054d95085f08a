"""Chunk text and sentence vectors beside Chroma: ``<data_dir>/vectors.sqlite3``, one row per
chunk id.

Why not in Chroma: both are only ever read by chunk id, never searched, yet Chroma indexes
whatever it holds. A document is stored there three times (the row, a string index over it
as metadata, a full-text index), and sentence vectors as base64 metadata strings were a third
larger again and string-indexed too: together most of the index's disk. Here a chunk is its
text plus its sentence vectors as int8 rows with one float32 scale each (388 bytes a
sentence; cosine to float32 > 0.9999) and the metadata only read with the chunk
(``SIDE_KEYS``: entities, sentence spans and offsets, headings), in a plain table keyed by
chunk id. Chroma keeps the chunk vector (HNSW) and the article-level metadata (filters,
citations, listings).

Crash safety comes from the write order (``ChromaChunks.upsert``/``delete``): a chunk's row
here is committed *before* its row is written to Chroma, and deleted *after* its row is
deleted there. A kill -9 at any point can only leave rows here whose chunk is not in Chroma
(never a chunk without its text and vectors); ``retain`` removes them at the end of the next
ingest. SQLite's journal makes each write all-or-nothing; ``synchronous=FULL`` puts a commit
on disk before Chroma hears of the chunk.

Only the embedded store uses it: with a Chroma server the data dir is per process, so text
and vectors stay in the (shared) collection there. Chunks written before the sidecar keep
their Chroma document and ``svec`` metadata, and are read from there.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# Chunk metadata read only with the chunk itself (never filtered on, never listed per article):
# kept here as JSON instead of as Chroma metadata, which string-indexes every value. ("ann":
# the entities ingest wrote until 2026-12-07; older indexes still carry them, nothing reads them.)
SIDE_KEYS = (
    "ann", "sentences", "headers", "table_header", "heading", "content_hash", "start", "end",
    "paragraph",
)

FILE_NAME = "vectors.sqlite3"
_BATCH = 500  # ids per SQL statement (SQLite's variable limit is 32766; keep statements small)


def quantize(vectors: np.ndarray) -> bytes:
    """``(n, dim)`` vectors as ``n`` float32 scales then ``n * dim`` int8 values: each row
    scaled so its largest component is ±127 (symmetric, per row)."""
    mat = np.asarray(vectors, dtype=np.float32)
    scale = np.maximum(np.abs(mat).max(axis=1), 1e-12) / 127.0
    q = np.clip(np.rint(mat / scale[:, None]), -127, 127).astype(np.int8)
    return scale.astype("<f4").tobytes() + q.tobytes()


def dequantize(data: bytes, n: int) -> np.ndarray | None:
    """``(n, dim)`` float32 rows from ``quantize``, or ``None`` when the bytes do not fit."""
    if n <= 0 or len(data) <= 4 * n or (len(data) - 4 * n) % n:
        return None
    scale = np.frombuffer(data[: 4 * n], dtype="<f4")
    q = np.frombuffer(data[4 * n :], dtype=np.int8).reshape(n, -1)
    return q.astype(np.float32) * scale[:, None]


def _pack(text: str, meta: dict[str, Any]) -> bytes:
    """Text and side metadata as one zlib-compressed JSON array (~40 % smaller)."""
    raw = json.dumps([text, meta], ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(raw.encode("utf-8"), 6)


def _unpack(body: bytes) -> tuple[str, dict[str, Any]]:
    text, meta = json.loads(zlib.decompress(body).decode("utf-8"))
    return str(text), dict(meta)


class ChunkSidecar:
    """``chunk_id -> (text, side metadata, (n_sentences, dim) vectors)`` in one SQLite file.

    ``read_only`` opens an existing file without ever writing (a read-only or full data dir,
    where Chroma reads a copy); a missing file then reads as empty. One connection, shared
    by threads under a lock; other processes see each commit (rollback journal).
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection | None:
        if self._conn is not None:
            return self._conn
        if self.read_only:
            if not self.path.exists():
                return None
            conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
        else:
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30.0)
            with contextlib.suppress(OSError):
                self.path.chmod(0o600)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS chunks (chunk_id TEXT PRIMARY KEY, body BLOB NOT NULL,"
                " n INTEGER NOT NULL, vectors BLOB NOT NULL)"
            )
            conn.commit()
        self._conn = conn
        return conn

    def _select(self, columns: str, ids: Sequence[str]) -> Iterable[tuple[object, ...]]:
        """Rows ``(chunk_id, *columns)`` for ``ids`` (the lock must be held)."""
        db = self._db()
        if db is None:
            return
        for i in range(0, len(ids), _BATCH):
            batch = list(ids[i : i + _BATCH])
            marks = ",".join("?" * len(batch))
            yield from db.execute(
                f"SELECT chunk_id, {columns} FROM chunks WHERE chunk_id IN ({marks})", batch
            )

    def put(self, items: Sequence[tuple[str, str, dict[str, Any], np.ndarray | None]]) -> None:
        """Store ``(chunk_id, text, side metadata, sentence vectors or None)`` rows, replacing
        any; committed when this returns."""
        if not items:
            return
        rows = [(cid, _pack(text, meta), 0 if m is None else len(m),
                 b"" if m is None else quantize(m)) for cid, text, meta, m in items]
        with self._lock:
            db = self._db()
            assert db is not None  # only a read-only file can be missing
            with db:
                db.executemany("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?)", rows)

    def read(
        self, chunk_ids: Iterable[str], *, vectors: bool = True
    ) -> dict[str, tuple[str, dict[str, Any], np.ndarray | None]]:
        """``chunk_id -> (text, side metadata, float32 (n, dim) vectors or None)`` for the ids
        stored here; ``vectors=False`` leaves the vectors unread (``None``)."""
        ids = list(dict.fromkeys(chunk_ids))
        out: dict[str, tuple[str, dict[str, Any], np.ndarray | None]] = {}
        cols = "body, n, vectors" if vectors else "body, 0, x''"
        with self._lock:
            for cid, body, n, blob in self._select(cols, ids):
                mat = dequantize(bytes(blob), int(n)) if n else None  # type: ignore[call-overload]
                out[str(cid)] = (*_unpack(bytes(body)), mat)  # type: ignore[call-overload]
        return out

    def has_vectors(self, chunk_ids: Iterable[str]) -> set[str]:
        """The ids among ``chunk_ids`` stored here with their sentence vectors."""
        ids = list(dict.fromkeys(chunk_ids))
        with self._lock:
            return {str(cid) for cid, n in self._select("n", ids) if n}

    def ids(self) -> set[str]:
        """Every chunk id stored here."""
        with self._lock:
            db = self._db()
            if db is None:
                return set()
            return {cid for (cid,) in db.execute("SELECT chunk_id FROM chunks")}

    def delete(self, chunk_ids: Iterable[str]) -> None:
        """Drop these chunks' rows (after their rows left Chroma)."""
        ids = list(chunk_ids)
        if not ids:
            return
        with self._lock:
            db = self._db()
            assert db is not None
            with db:
                for i in range(0, len(ids), _BATCH):
                    batch = ids[i : i + _BATCH]
                    db.execute(
                        f"DELETE FROM chunks WHERE chunk_id IN ({','.join('?' * len(batch))})",
                        batch,
                    )

    def retain(self, keep: set[str]) -> int:
        """Delete every row whose chunk id is not in ``keep`` (left by a killed ingest).

        Returns how many were deleted.
        """
        extra = self.ids() - keep
        self.delete(sorted(extra))
        return len(extra)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
