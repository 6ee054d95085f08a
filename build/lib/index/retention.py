"""Retention: drop articles older than N days, so an index fed by feeds does not grow forever.

An article's age is its publication date (chunk metadata ``published``), else the date it
was first ingested (``ingested``, when the index records it); an article with neither is
kept. Deleting runs under the ingest lock, then the BM25 index is refreshed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from index.ingest.dates import in_future
from index.ingest.pipeline import ingest_lock
from index.store import ChunkStore

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Expired:
    article_id: str
    title: str
    day: date
    chunks: int


@dataclass
class PruneReport:
    cutoff: date
    removed: list[Expired] = field(default_factory=list)
    undated: int = 0
    """Articles kept because neither a publication nor an ingest date is known."""
    kept: int = 0

    def summary(self) -> str:
        chunks = sum(e.chunks for e in self.removed)
        text = (f"removed {len(self.removed)} articles ({chunks} chunks) dated before "
                f"{self.cutoff.isoformat()}, kept {self.kept}")
        if self.undated:
            text += f" ({self.undated} without any date, kept)"
        return text


def parse_day(value: Any) -> date | None:
    """The calendar day of an ISO, RFC 822 or free-form date string; None if unknown."""
    text = str(value or "").strip()
    if not text:
        return None
    match = _ISO_DAY.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    import dateparser  # rare formats only: it is slow to import

    parsed = dateparser.parse(text, settings={"PREFER_DAY_OF_MONTH": "first"})
    return parsed.date() if parsed else None


def article_day(meta: dict[str, Any]) -> date | None:
    """Publication day, else first-ingest day, else None. A publication day after tomorrow
    (an index written before such dates were dropped at ingest) counts as none."""
    published = parse_day(meta.get("published"))
    if published is not None and in_future(published.isoformat()):
        published = None
    return published or parse_day(meta.get("ingested"))


def prune_older_than(
    store: ChunkStore,
    *,
    data_dir: Path,
    days: float,
    today: date | None = None,
    dry_run: bool = False,
) -> PruneReport:
    """Delete every article dated more than ``days`` days before ``today`` (UTC).

    Raises:
        IngestBusy: another ingest holds the data dir.
    """
    if days <= 0:
        raise ValueError("the age limit must be more than 0 days")
    cutoff = (today or datetime.now(UTC).date()) - timedelta(days=days)
    report = PruneReport(cutoff)
    with ingest_lock(data_dir):
        ids: dict[str, list[str]] = {}
        metas: dict[str, dict[str, Any]] = {}
        for chunk in store.iter_all(include_documents=False):
            aid = str(chunk.meta.get("article_id", ""))
            ids.setdefault(aid, []).append(chunk.chunk_id)
            metas.setdefault(aid, chunk.meta)
        for aid, meta in metas.items():
            day = article_day(meta)
            if day is None:
                report.undated += 1
                report.kept += 1
            elif day < cutoff:
                report.removed.append(Expired(aid, str(meta.get("title", "")), day,
                                              len(ids[aid])))
            else:
                report.kept += 1
        if report.removed and not dry_run:
            store.delete([cid for e in report.removed for cid in ids[e.article_id]])
            store.refresh_bm25()
    report.removed.sort(key=lambda e: (e.day, e.title))
    return report
