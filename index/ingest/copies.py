"""Wire copies: the same report run by several outlets is one group of articles, found at ingest.

Two articles are copies when the Jaccard similarity of their bodies' word 5-gram sets is at
least ``COPY_JACCARD`` (exact, not estimated). A wire report lightly edited by another outlet
(new headline, byline or credit line, a trimmed ending, a reworded sentence) keeps most of its
5-grams; two outlets' own reports of one event share few, even when they quote the same person.
Calibrated on ``tests/fixtures/wire_pairs.json`` (``python -m tools.calibrate_copies``; see
docs/BENCHMARKS.md, "Wire copies").

Each ingested article gets a group label in its chunks' metadata (``GROUP_KEY``) and an ingest
order (``SEQ_KEY``). A label never changes once written, so removing an article needs no
rewrite: the group's original (earliest published, then first ingested) is decided by whoever
is still indexed when an answer is composed (``index.answer.reports``). Articles indexed before
groups existed have no label and are each a group of their own (``group_of``); their 5-grams
are computed from their stored text once, so later copies of them still join them.

The 5-grams live beside the index in ``<data_dir>/copies.sqlite3`` (``h -> article`` with an
index on ``h``: a lookup costs one probe per 5-gram of the new article, not a scan of the
index). It is derived data: rows of articles that left the index are dropped, and missing
rows (a killed ingest, an index from before) are recomputed, at the end of each ingest.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from index.store.meta import GROUP_KEY, SEQ_KEY, group_of
from index.types import Article

SHINGLE_WORDS = 5
COPY_JACCARD = 0.25
"""Calibrated on tests/fixtures/wire_pairs.json: copies score 0.37-1.0, other reports of
the same event 0.0-0.10; the threshold sits in the gap, nearer the non-copies' side."""
MIN_SHINGLES = 30
"""A body with fewer 5-grams (about 35 words, two sentences) is never called a copy: two
outlets often write one short sentence alike ("Acme will pay $2.1bn for Beta" / "$2.4bn"),
and one changed figure then still leaves a third of the 5-grams shared."""
FILE_NAME = "copies.sqlite3"
_BATCH = 500  # values per SQL statement

_WORD = re.compile(r"\w+")


def shingles(text: str) -> np.ndarray:
    """Sorted unique CRC32 hashes of the text's word 5-grams (case and punctuation ignored,
    so a re-spaced or re-punctuated copy hashes the same)."""
    words = _WORD.findall(text.casefold())
    n = SHINGLE_WORDS
    grams = (" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1)))
    hashes = np.fromiter((zlib.crc32(g.encode()) for g in grams if g), dtype=np.uint32)
    return np.unique(hashes)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two ``shingles`` sets (0 when either is too short)."""
    if min(len(a), len(b)) < MIN_SHINGLES:
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def is_copy(a: str, b: str) -> bool:
    """Whether two article bodies are one report (the calibrated decision)."""
    return jaccard(shingles(a), shingles(b)) >= COPY_JACCARD


def _digest(sh: np.ndarray) -> str:
    return hashlib.sha256(sh.tobytes()).hexdigest()[:16]


class CopyIndex:
    """Every indexed article's 5-grams and group, in one SQLite file (see the module doc)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = self._open(path)
        except sqlite3.DatabaseError:  # damaged: it is derived data, rebuilt by ``reconcile``
            path.unlink(missing_ok=True)
            self._db = self._open(path)
        self._last_seq = 0

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=30.0)
        with contextlib.suppress(OSError):
            path.chmod(0o600)
        # No fsync per article (it cost 15 ms each, most of the grouping time): a kill -9
        # loses nothing the OS has; a power cut may lose the last rows, which ``reconcile``
        # recomputes from the stored text.
        db.execute("PRAGMA synchronous=OFF")
        db.executescript(
            "CREATE TABLE IF NOT EXISTS articles (id INTEGER PRIMARY KEY, article_id TEXT UNIQUE"
            " NOT NULL, grp TEXT NOT NULL, seq INTEGER NOT NULL, n INTEGER NOT NULL,"
            " digest TEXT NOT NULL, hashes BLOB NOT NULL);"
            "CREATE TABLE IF NOT EXISTS shingles (h INTEGER NOT NULL, a INTEGER NOT NULL,"
            " PRIMARY KEY (h, a)) WITHOUT ROWID;"
        )
        return db

    def close(self) -> None:
        self._db.close()

    def _row(self, article_id: str) -> tuple[int, str, int, str] | None:
        row = self._db.execute(
            "SELECT id, grp, seq, digest FROM articles WHERE article_id = ?", (article_id,)
        ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]), int(row[2]), str(row[3]))

    def best(self, sh: np.ndarray, exclude: str = "") -> tuple[str, float] | None:
        """The group of the most similar indexed article (other than ``exclude``) and its
        Jaccard similarity, or None when no article shares a 5-gram."""
        counts: dict[int, int] = {}
        values = [int(h) for h in sh]
        for i in range(0, len(values), _BATCH):
            part = values[i : i + _BATCH]
            for a, c in self._db.execute(
                f"SELECT a, COUNT(*) FROM shingles WHERE h IN ({','.join('?' * len(part))})"
                " GROUP BY a", part,
            ):
                counts[a] = counts.get(a, 0) + int(c)
        if not counts:
            return None
        found: tuple[str, float] | None = None
        ids = list(counts)
        for i in range(0, len(ids), _BATCH):
            part = ids[i : i + _BATCH]
            for a, aid, grp, n in self._db.execute(
                f"SELECT id, article_id, grp, n FROM articles WHERE id IN "
                f"({','.join('?' * len(part))})", part,
            ):
                if aid == exclude or int(n) < MIN_SHINGLES:
                    continue
                c = counts[a]
                j = c / (len(sh) + int(n) - c)
                if found is None or j > found[1]:
                    found = (str(grp), j)
        return found

    def assign(self, article_id: str, content_hash: str, body: str) -> tuple[str, int]:
        """``(group label, ingest seq)`` for an article being written, recorded here.

        An article whose body did not change keeps both; an edited one keeps its ingest order
        (it is still the report first ingested) and is grouped again by its new text.
        """
        sh = shingles(body)
        old = self._row(article_id)
        if old is not None and old[3] == _digest(sh):
            return old[1], old[2]
        match = self.best(sh, exclude=article_id) if len(sh) >= MIN_SHINGLES else None
        if match is not None and match[1] >= COPY_JACCARD:
            grp = match[0]
        else:  # a label of its own, new for each version: its old copies keep the old one
            grp = hashlib.sha256(f"{article_id}\x00{content_hash}".encode()).hexdigest()[:16]
        seq = old[2] if old is not None else self._next_seq()
        self._put(article_id, grp, seq, sh)
        return grp, seq

    def _next_seq(self) -> int:
        self._last_seq = max(time.time_ns() // 1000, self._last_seq + 1)
        return self._last_seq

    def _put(self, article_id: str, grp: str, seq: int, sh: np.ndarray) -> None:
        with self._db:
            self._remove([article_id])
            cur = self._db.execute(
                "INSERT INTO articles (article_id, grp, seq, n, digest, hashes)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (article_id, grp, seq, len(sh), _digest(sh), sh.astype("<u4").tobytes()),
            )
            a = cur.lastrowid
            self._db.executemany("INSERT OR IGNORE INTO shingles VALUES (?, ?)",
                                 ((int(h), a) for h in sh))

    def _remove(self, article_ids: Iterable[str]) -> None:
        """Drop articles' rows (inside the caller's transaction); a 5-gram row is found by its
        hashes, kept with the article, so no second index on ``a`` is needed."""
        for aid in article_ids:
            row = self._db.execute(
                "SELECT id, hashes FROM articles WHERE article_id = ?", (aid,)
            ).fetchone()
            if row is None:
                continue
            a, blob = int(row[0]), bytes(row[1])
            hashes = [int(h) for h in np.frombuffer(blob, dtype="<u4")]
            self._db.executemany("DELETE FROM shingles WHERE h = ? AND a = ?",
                                 ((h, a) for h in hashes))
            self._db.execute("DELETE FROM articles WHERE id = ?", (a,))

    def article_ids(self) -> set[str]:
        return {str(r[0]) for r in self._db.execute("SELECT article_id FROM articles")}

    def reconcile(self, indexed: Sequence[str], texts: Any) -> None:
        """Match the indexed article ids: drop rows of articles gone, add the missing ones.

        ``texts()`` yields ``(article_id, group label, body)`` of the stored articles; it is
        only called when some are missing (an index from before groups, a killed ingest),
        and their label is whatever their chunks carry (``group_of``).
        """
        have = self.article_ids()
        want = set(indexed)
        with self._db:
            self._remove(sorted(have - want))
        missing = want - have
        if not missing:
            return
        for aid, grp, body in texts():
            if aid in missing:
                self._put(aid, grp, 0, shingles(body))


def stored_bodies(store: Any) -> Iterable[tuple[str, str, str]]:
    """``(article_id, group label, body)`` of every stored article, from one pass over the
    chunks (their text, in article order)."""
    parts: dict[str, list[tuple[int, str]]] = {}
    labels: dict[str, str] = {}
    for c in store.iter_all():
        aid = str(c.meta.get("article_id", ""))
        labels.setdefault(aid, group_of(c.meta))
        parts.setdefault(aid, []).append((int(c.meta.get("start", 0) or 0), c.text))
    for aid, chunks in parts.items():
        yield aid, labels[aid], " ".join(t for _, t in sorted(chunks))


@contextmanager
def copy_index(data_dir: Path) -> Iterator[CopyIndex]:
    """The data dir's copy index, open for one ingest (under its lock)."""
    copies = CopyIndex(data_dir / FILE_NAME)
    try:
        yield copies
    finally:
        copies.close()


def body_of(article: Article) -> str:
    """What a copy is recognised by: the quotable paragraphs (no headline, byline, caption)."""
    return "\n".join(article.text[s:e] for s, e in article.paragraphs)


def group_meta(copies: CopyIndex, article: Article) -> dict[str, Any]:
    """The chunk metadata that places ``article`` in its group."""
    grp, seq = copies.assign(article.article_id, article.content_hash, body_of(article))
    return {GROUP_KEY: grp, SEQ_KEY: seq}


def reconcile(copies: CopyIndex, store: Any) -> None:
    """At the end of an ingest: refresh BM25, then match the copy index to its articles."""
    bm = store.refresh_bm25()
    copies.reconcile([a.article_id for a in bm.articles], lambda: stored_bodies(store))
