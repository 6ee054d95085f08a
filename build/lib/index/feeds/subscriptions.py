"""Subscribed feeds and the entries already ingested, in ``<data_dir>/feeds.sqlite3``.

SQLite from the standard library: one small file beside the index, safe for the bot and a
CLI command at once (WAL, short transactions, one connection per call so any thread may
use it). Entries are remembered only after their articles are in the index, so a crash
mid-refresh means they are fetched again, never lost.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from index.store import make_private_dir

DB_NAME = "feeds.sqlite3"
FAILS_BEFORE_BACKOFF = 3
BACKOFF_BASE_S = 15 * 60.0  # after the 3rd failure in a row; doubles with each further one
BACKOFF_MAX_S = 24 * 3600.0
SUMMARY_RETRIES = 3  # times an entry's page is tried again while only its summary is indexed

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL UNIQUE,
    name TEXT,
    title TEXT,
    etag TEXT,
    last_modified TEXT,
    added TEXT NOT NULL,
    last_checked TEXT,
    last_ok TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    retry_after REAL NOT NULL DEFAULT 0,
    body_hash TEXT
);
CREATE TABLE IF NOT EXISTS entries (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    hash TEXT NOT NULL,
    article_id TEXT NOT NULL,
    summary_only INTEGER NOT NULL DEFAULT 0,
    tries INTEGER NOT NULL DEFAULT 1,
    seen TEXT NOT NULL,
    PRIMARY KEY (feed_id, key)
);
CREATE INDEX IF NOT EXISTS entries_hash ON entries (hash);
"""


class FeedError(ValueError):
    """A subscription command that cannot be done (duplicate, unknown feed): one line."""


@dataclass(frozen=True)
class Subscription:
    id: int
    url: str
    name: str | None
    title: str | None
    etag: str | None
    last_modified: str | None
    added: str
    last_checked: str | None
    last_ok: str | None
    failures: int
    last_error: str | None
    retry_after: float
    body_hash: str | None = None
    """sha256 of the last fully ingested body: an identical body skips parsing (servers
    that send no validators)."""

    @property
    def label(self) -> str:
        """What summaries call the feed: ``--name``, else the feed's title, else its URL."""
        return self.name or self.title or self.url

    def backing_off(self, now: float | None = None) -> bool:
        return self.retry_after > (time.time() if now is None else now)


@dataclass(frozen=True)
class KnownEntry:
    hash: str
    article_id: str
    summary_only: bool
    tries: int


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def backoff_s(failures: int) -> float:
    """Seconds to wait after ``failures`` failures in a row (0 below the threshold)."""
    if failures < FAILS_BEFORE_BACKOFF:
        return 0.0
    return min(BACKOFF_BASE_S * 2 ** (failures - FAILS_BEFORE_BACKOFF), BACKOFF_MAX_S)


class Subscriptions:
    """The feeds table and the known-entries table of one data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.path = make_private_dir(data_dir) / DB_NAME
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL: no fsync per commit, still never corrupt; a power cut may forget
            # the last refresh's entries, which are then fetched again (never lost).
            conn.execute("PRAGMA synchronous = NORMAL")
            with conn:  # one transaction: committed on success, rolled back on error
                yield conn

    # -- feeds ----------------------------------------------------------------------------------

    def add(self, url: str, *, name: str | None = None, title: str | None = None
            ) -> Subscription:
        """Subscribe. Raises FeedError if ``url`` is already subscribed. A name is one line
        (whitespace runs, newlines included, become one space)."""
        name = " ".join(name.split()) if name else None
        with self._db() as db:
            old = db.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
            if old is not None:
                raise FeedError(f"already subscribed: {url} (feed {old['id']})")
            cur = db.execute(
                "INSERT INTO feeds (url, name, title, added) VALUES (?, ?, ?, ?)",
                (url, name or None, title or None, now_iso()),
            )
            feed_id = int(cur.lastrowid or 0)
        return self.get(feed_id)

    def get(self, feed_id: int) -> Subscription:
        with self._db() as db:
            row = db.execute("SELECT * FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        if row is None:
            raise FeedError(f"no feed {feed_id}: see `newsqa feeds list`")
        return Subscription(**dict(row))

    def feeds(self) -> list[Subscription]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM feeds ORDER BY id").fetchall()
        return [Subscription(**dict(r)) for r in rows]

    def find(self, ref: str) -> Subscription:
        """A feed by its number (as ``feeds list`` shows it), URL or name. Raises FeedError."""
        ref = ref.strip()
        feeds = self.feeds()
        for sub in feeds:
            if (ref.isdigit() and sub.id == int(ref)) or sub.url == ref:
                return sub
        named = [s for s in feeds if s.label.casefold() == ref.casefold()]
        if len(named) == 1:
            return named[0]
        raise FeedError(f"no feed {ref!r}: give its number or URL from `newsqa feeds list`")

    def remove(self, ref: str) -> Subscription:
        """Unsubscribe (its articles stay in the index). Raises FeedError if unknown."""
        sub = self.find(ref)
        with self._db() as db:
            db.execute("DELETE FROM feeds WHERE id = ?", (sub.id,))
        return sub

    def mark_ok(self, feed_id: int, *, title: str | None, etag: str | None,
                last_modified: str | None, body_hash: str | None = None,
                keep_validators: bool = True) -> None:
        """A successful fetch. Validators (and the body hash) are stored only when every
        entry made it into the index (``keep_validators``): otherwise a 304 would hide the
        missing ones."""
        now = now_iso()
        keep = keep_validators
        with self._db() as db:
            db.execute(
                "UPDATE feeds SET title = COALESCE(?, title), etag = ?, last_modified = ?, "
                "body_hash = ?, last_checked = ?, last_ok = ?, failures = 0, "
                "last_error = NULL, retry_after = 0 WHERE id = ?",
                (title or None, etag if keep else None, last_modified if keep else None,
                 body_hash if keep else None, now, now, feed_id),
            )

    def mark_not_modified(self, feed_id: int) -> None:
        now = now_iso()
        with self._db() as db:
            db.execute(
                "UPDATE feeds SET last_checked = ?, last_ok = ?, failures = 0, "
                "last_error = NULL, retry_after = 0 WHERE id = ?", (now, now, feed_id))

    def mark_failed(self, feed_id: int, error: str, *, now: float | None = None) -> int:
        """Count a failure in a row; from the 3rd on, back off. Returns the count."""
        now = time.time() if now is None else now
        with self._db() as db:
            row = db.execute("SELECT failures FROM feeds WHERE id = ?", (feed_id,)).fetchone()
            failures = (int(row["failures"]) if row else 0) + 1
            wait = backoff_s(failures)
            db.execute(
                "UPDATE feeds SET last_checked = ?, failures = ?, last_error = ?, "
                "retry_after = ? WHERE id = ?",
                (now_iso(), failures, error, now + wait if wait else 0.0, feed_id),
            )
        return failures

    # -- entries --------------------------------------------------------------------------------

    def known(self, feed_id: int) -> dict[str, KnownEntry]:
        with self._db() as db:
            rows = db.execute(
                "SELECT key, hash, article_id, summary_only, tries FROM entries "
                "WHERE feed_id = ?", (feed_id,)).fetchall()
        return {r["key"]: KnownEntry(r["hash"], r["article_id"], bool(r["summary_only"]),
                                     int(r["tries"])) for r in rows}

    def known_hashes(self) -> set[str]:
        with self._db() as db:
            return {r[0] for r in db.execute("SELECT hash FROM entries").fetchall()}

    def remember(self, feed_id: int,
                 rows: Iterable[tuple[str, str, str, bool]]) -> None:
        """Record ``(key, hash, article_id, summary_only)`` entries now in the index."""
        rows = list(rows)
        if not rows:
            return
        now = now_iso()
        with self._db() as db:
            for key, digest, article_id, summary_only in rows:
                db.execute(
                    "INSERT INTO entries (feed_id, key, hash, article_id, summary_only, tries, "
                    "seen) VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (feed_id, key) DO UPDATE SET "
                    "hash = excluded.hash, article_id = excluded.article_id, "
                    "summary_only = excluded.summary_only, "
                    "tries = CASE WHEN excluded.summary_only THEN entries.tries + 1 ELSE 1 END",
                    (feed_id, key, digest, article_id, int(summary_only), now),
                )

    def entry_count(self, feed_id: int) -> int:
        with self._db() as db:
            row = db.execute("SELECT COUNT(*) FROM entries WHERE feed_id = ?",
                             (feed_id,)).fetchone()
        return int(row[0])
