"""Noticing another process's writes to an embedded index (``ChromaChunks`` inherits this).

Chroma's ``PersistentClient`` reads new rows written by another process, but its in-memory
vector index stays as it was when opened. So when the index changed under us (the data dir's
generation token, the chunk count or the BM25 folder moved, and not by our own writes), the
client is reopened, once the writer has released the ingest lock. Every read compares the
token and a few stats (``db_stamp``, ~20 µs), never reuses a check by time alone, so the first
read after another process's ingest ends sees all of it. Writers are serialised by the ingest
lock (``index.ingest.pipeline``) and replace the token after each write (``_wrote``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from index.config import IndexConfig
from index.store.client import open_client
from index.store.paths import bump_generation, db_stamp, ingest_running, mtime, read_generation
from index.store.systems import detach, release

log = logging.getLogger(__name__)

SYNC_TTL_S = 0.5  # a Chroma server's chunk count (a request) is reused this long
RECOUNT_S = 10.0
# Embedded: while ``db_stamp`` is unchanged, the chunk count (a full COUNT: ~17 ms at 100k
# chunks) is reused for up to this long; a full count then catches writers that do not
# replace the generation token (an older newsqa).

ChangeKey = tuple[int, float, str]
"""(chunk count, BM25 folder mtime, generation token): the index state a reader last knew."""


class WriteWatch:
    """The chunk count, and reopening Chroma when another process wrote."""

    cfg: IndexConfig
    _client: Any
    _collection: Any

    def count(self) -> int:
        raise NotImplementedError

    def _open_collection(self) -> Any:
        raise NotImplementedError

    def _watch_writes(self) -> None:
        """Start knowing the index as just opened."""
        self._seen: ChangeKey | None = None  # embedded mode: last state we knew of
        # the generation token of the state our handles know (at open, after our writes):
        # a state with another token was written by someone else since
        self._mine = "" if self.cfg.server_mode else read_generation(self.cfg.data_dir)
        self._waiting = False  # for another process's ingest to release the lock
        # One answer asks for the chunk count several times (vector search, BM25, idf,
        # outlets), ~1 ms each at 5k chunks: the last one, reused while the stamp holds.
        self._synced: tuple[float, int] | None = None
        self._counted: tuple[float, tuple[object, ...]] | None = None

    def _wrote(self) -> None:
        """Our own write: announced to other processes (the generation token); the next
        ``_sync`` takes the new state as known, no reopen."""
        if not self.cfg.server_mode:
            self._mine = bump_generation(self.cfg.data_dir)
        self._seen = None
        self._counted = None

    def _key(self, n: int) -> ChangeKey:
        """What a reader compares to notice another writer, for a chunk count ``n``."""
        gen = "" if self.cfg.server_mode else read_generation(self.cfg.data_dir)
        return (n, mtime(self.cfg.bm25_dir), gen)

    def _sync(self) -> int:
        """The chunk count; in embedded mode, reopen when another process changed the index.
        Embedded, each call compares the stamp (~20 µs), never reuses by time alone: a count
        read while another ingest held the lock must not hide its chunks once it is done."""
        now = time.monotonic()
        if (self.cfg.server_mode and self._synced is not None
                and now - self._synced[0] < SYNC_TTL_S):
            return self._synced[1]
        n = self._sync_now()
        self._synced = (time.monotonic(), n)
        return n

    def _sync_now(self) -> int:
        if self.cfg.server_mode:
            return self.count()
        if self._waiting and self._synced is not None:
            # another process's ingest changed the index and holds the lock: until it lets
            # go, the index as it was keeps serving, so a lock probe stands in for a COUNT
            if ingest_running(self.cfg.data_dir):
                return self._synced[1]
            self._waiting = False
        stamp = db_stamp(self.cfg)  # before counting: a write after it changes the next stamp
        now = time.monotonic()
        if (self._synced is not None and self._counted is not None
                and self._counted[1] == stamp and now - self._counted[0] < RECOUNT_S):
            return self._synced[1]  # nobody wrote since the last count
        n = self.count()
        self._counted = (now, stamp)
        key = self._key(n)
        if self._seen is None and key[2] == self._mine:
            self._seen = key  # what we opened or wrote, nobody else since
        elif key != self._seen:
            if ingest_running(self.cfg.data_dir):
                # ``_seen`` is kept so the reopen happens after it, and so is counting: its
                # last write may come before the lock is released
                self._counted = None
                self._waiting = True
                return n
            old = self._client
            try:
                detach(old)
                self._client = open_client(self.cfg)
                self._collection = self._open_collection()
            except Exception as exc:  # keep answering from stale handles; retry next read
                log.debug("reopening the index failed: %s", exc)
                self._counted = None
                return n
            release(old)  # stopped once reads still running on it are done
            n = self.count()
            self._seen = (n, *key[1:])
            self._mine = key[2]
        return n
