"""Sentence vectors beside Chroma: ``<data_dir>/vectors.sqlite3``, one row per chunk id.

Why not in Chroma: they are only ever read by chunk id, never searched. As base64 strings in
the chunk's metadata, Chroma's SQLite stores them a third larger and indexes them as strings
(the bulk of the index's disk); as Chroma embeddings they would need a second HNSW index in
memory. Here they are float16 blobs in a plain table keyed by chunk id (768 bytes a sentence).

Crash safety comes from the write order (``ChunkStore.upsert``): a chunk's vectors are
committed here *before* its row is written to Chroma, and deleted *after* its row is deleted
there. A kill -9 at any point can only leave rows here whose chunk is not in Chroma (never a
chunk without its vectors); ``retain`` removes them at the end of the next ingest. SQLite's
own journal makes each write all-or-nothing.

Only the embedded store uses it: with a Chroma server the data dir is per process, so the
vectors stay in the (shared) chunk metadata there.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from index.store.meta import vectors_from_bytes, vectors_to_bytes

FILE_NAME = "vectors.sqlite3"
_BATCH = 500  # ids per SQL statement (SQLite's variable limit is 32766; keep statements small)


class SentenceVectorFile:
    """``chunk_id -> (n_sentences, dim)`` float16 vectors in one SQLite file.

    ``read_only`` opens an existing file without ever writing (a read-only data dir); a
    missing file then reads as empty. One connection, shared by threads under a lock.
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
            conn = sqlite3.connect(self.path, check_same_thread=False)
            with contextlib.suppress(OSError):
                self.path.chmod(0o600)
            # WAL: readers in other processes are not blocked by a writer; FULL: a commit is
            # on disk before Chroma is told about the chunk (power loss, not just kill -9).
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS svec (chunk_id TEXT PRIMARY KEY, n INTEGER NOT NULL,"
                " vectors BLOB NOT NULL)"
            )
            conn.commit()
        self._conn = conn
        return conn

    def put(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        """Store each chunk's ``(n, dim)`` vectors (replacing any), committed when this returns."""
        if not items:
            return
        rows = [(cid, len(m), vectors_to_bytes(m)) for cid, m in items]
        with self._lock:
            db = self._db()
            assert db is not None  # only a read-only file can be missing
            with db:
                db.executemany("INSERT OR REPLACE INTO svec VALUES (?, ?, ?)", rows)

    def get(self, chunk_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """``chunk_id -> float32 (n, dim)`` for the ids that have vectors here."""
        ids = list(dict.fromkeys(chunk_ids))
        out: dict[str, np.ndarray] = {}
        with self._lock:
            db = self._db()
            if db is None or not ids:
                return out
            for i in range(0, len(ids), _BATCH):
                batch = ids[i : i + _BATCH]
                marks = ",".join("?" * len(batch))
                for cid, n, blob in db.execute(
                    f"SELECT chunk_id, n, vectors FROM svec WHERE chunk_id IN ({marks})", batch
                ):
                    mat = vectors_from_bytes(blob, n)
                    if mat is not None:
                        out[cid] = mat
        return out

    def has(self, chunk_ids: Iterable[str]) -> set[str]:
        """The ids among ``chunk_ids`` that have vectors here (no blob is read)."""
        ids = list(dict.fromkeys(chunk_ids))
        found: set[str] = set()
        with self._lock:
            db = self._db()
            if db is None:
                return found
            for i in range(0, len(ids), _BATCH):
                batch = ids[i : i + _BATCH]
                marks = ",".join("?" * len(batch))
                found.update(
                    cid for (cid,) in db.execute(
                        f"SELECT chunk_id FROM svec WHERE chunk_id IN ({marks})", batch
                    )
                )
        return found

    def ids(self) -> set[str]:
        """Every chunk id with vectors here."""
        with self._lock:
            db = self._db()
            if db is None:
                return set()
            return {cid for (cid,) in db.execute("SELECT chunk_id FROM svec")}

    def delete(self, chunk_ids: Iterable[str]) -> None:
        """Drop the vectors of these chunks (after their rows left Chroma)."""
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
                        f"DELETE FROM svec WHERE chunk_id IN ({','.join('?' * len(batch))})",
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
