"""One refresh of the subscribed feeds: incremental, polite, and never stopped by one feed.

1. Each due feed is fetched with its validators (``If-None-Match`` / ``If-Modified-Since``):
   a 304 costs one request and nothing else; so does a body identical to the last one
   (for servers without validators).
2. Entries already in the index are skipped by key (link) and content hash, without any
   request; of the rest, at most ``max_entries`` per feed (newest first) have their pages
   fetched, at most ``PER_HOST`` at a time per host; the others wait for the next refresh.
3. Pages are read and ingested ``BATCH`` entries at a time, under the ingest lock for the
   write only (unchanged text is never re-embedded), and each batch's entries are remembered
   as soon as they are in the index: an interrupted refresh keeps what it wrote, and the next
   one fetches only the rest. A feed's validators are remembered last, and only when every
   entry it lists is in.

A feed that fails (unreachable, not a feed, invalid XML) gets a one-line reason; from its
3rd failure in a row it backs off (15 min, doubling, at most a day).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from index.feeds.entries import HostSlots, polite_fetch, read_entry
from index.feeds.parse import Feed, FeedEntry, parse_feed
from index.feeds.subscriptions import SUMMARY_RETRIES, Subscription, Subscriptions
from index.ingest.fetch import new_client
from index.ingest.pipeline import Embedder, ingest_articles
from index.ingest.read import MAX_BYTES
from index.ingest.skipped import Skipped, short
from index.store import ChunkStore
from index.types import Article, IngestReport

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
               "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5")
WORKERS = 8
TIMEOUT_S = 15.0
MAX_ENTRIES = 100
"""Entries of one feed read per refresh by default (``NEWSQA_FEED_MAX_ENTRIES``): a feed
listing 30,000 must not hold a refresh for hours; the rest come with the next refreshes."""
BATCH = 32
"""Entries read, ingested and remembered together: an interruption loses at most one batch."""

# progress(event, n): ("total", n units so far), ("input", 1 unit done), ("embedded", n chunks)
Progress = Callable[[str, int], None]


@dataclass
class FeedResult:
    """What one refresh did with one feed; ``line()`` is its one-line summary."""

    feed: Subscription
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    from_summary: int = 0
    too_old: int = 0
    deferred: int = 0
    """New entries over ``max_entries``, left for the next refresh."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """``(entry link, reason)``."""
    error: str | None = None
    """Why the feed itself could not be read."""
    not_modified: bool = False
    backing_off: bool = False

    def line(self) -> str:
        name = self.feed.label
        if self.backing_off:
            return (f"{name}: skipped, backing off after {self.feed.failures} failures "
                    f"(last: {self.feed.last_error})")
        if self.error:
            return f"{name}: failed ({self.error})"
        if self.not_modified:
            return f"{name}: not modified"
        parts = [f"{self.new} new"]
        if self.from_summary:
            parts[0] += f" ({self.from_summary} from the feed summary)"
        if self.updated:
            parts.append(f"{self.updated} updated")
        parts.append(f"{self.unchanged} unchanged")
        if self.too_old:
            parts.append(f"{self.too_old} too old to keep")
        if self.deferred:
            parts.append(f"{self.deferred} left for the next refresh")
        if self.failed:
            reasons = list(dict.fromkeys(_brief(r) for _, r in self.failed))
            parts.append(f"{len(self.failed)} failed ({short('; '.join(reasons), 80)})")
        return f"{name}: " + ", ".join(parts)


@dataclass
class RefreshReport:
    feeds: list[FeedResult] = field(default_factory=list)
    ingest: IngestReport = field(default_factory=IngestReport)

    def summary(self) -> str:
        failed = sum(1 for f in self.feeds if f.error)
        n = len(self.feeds)
        return (f"{n} feed{'' if n == 1 else 's'} ({failed} failed): "
                f"{sum(f.new for f in self.feeds)} new, "
                f"{sum(f.updated for f in self.feeds)} updated, "
                f"{sum(f.unchanged for f in self.feeds)} unchanged, "
                f"{sum(len(f.failed) for f in self.feeds)} entries failed")


def _brief(reason: str) -> str:
    return reason.removeprefix("could not fetch: ")


def merge_reports(into: IngestReport, other: IngestReport) -> None:
    """Add ``other``'s outcomes to ``into`` (one report for several ingest runs)."""
    into.added += other.added
    into.updated += other.updated
    into.unchanged += other.unchanged
    into.removed += other.removed
    into.skipped += other.skipped
    into.notes += other.notes
    into.chunks_embedded += other.chunks_embedded
    for stage, seconds in other.timings_s.items():
        into.timings_s[stage] = into.timings_s.get(stage, 0.0) + seconds


def newest_first(entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """Dated entries newest first, then the undated ones in feed order."""
    dated = sorted((e for e in entries if e.published), key=lambda e: e.published or "",
                   reverse=True)
    return dated + [e for e in entries if not e.published]


class Totals:
    """Turns sub-stage ``total`` events into one growing total for a single progress bar."""

    def __init__(self, progress: Progress | None) -> None:
        self.notify: Progress = progress or (lambda _e, _n: None)
        self.total = 0

    def add(self, n: int) -> None:
        self.total += n
        self.notify("total", self.total)

    def __call__(self, event: str, n: int) -> None:
        if event == "total":
            self.add(n)
        else:
            self.notify(event, n)


def probe_feed(
    url: str, *, client: httpx.Client | None = None, max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT_S,
) -> Feed | Skipped:
    """Fetch and parse ``url`` once (``feeds add`` checks a URL is a feed before keeping it)."""
    own = client is None
    http = client or new_client(timeout)
    try:
        got = polite_fetch(url, HostSlots(), client=http, max_bytes=max_bytes, timeout=timeout,
                           headers={"Accept": FEED_ACCEPT})
        if isinstance(got, Skipped):
            return got
        return parse_feed(got.data, url=url, mime=got.mime, charset=got.charset)
    finally:
        if own:
            http.close()


@dataclass
class _Fetch:
    sub: Subscription
    feed: Feed | None = None
    error: str | None = None
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


def _fetch_feed(sub: Subscription, slots: HostSlots, client: httpx.Client, *,
                max_bytes: int, timeout: float) -> _Fetch:
    headers = {"Accept": FEED_ACCEPT}
    if sub.etag:
        headers["If-None-Match"] = sub.etag
    if sub.last_modified:
        headers["If-Modified-Since"] = sub.last_modified
    try:
        got = polite_fetch(sub.url, slots, client=client, max_bytes=max_bytes, timeout=timeout,
                           headers=headers)
        if isinstance(got, Skipped):
            return _Fetch(sub, error=_brief(got.reason))
        if got.status == 304:
            return _Fetch(sub, not_modified=True)
        body_hash = hashlib.sha256(got.data).hexdigest()
        if body_hash == sub.body_hash:  # no validators, but the very same bytes
            return _Fetch(sub, not_modified=True, etag=got.etag, last_modified=got.last_modified)
        feed = parse_feed(got.data, url=sub.url, mime=got.mime, charset=got.charset)
    except Exception as exc:  # one broken feed must never stop the others
        return _Fetch(sub, error=f"unexpected error: {type(exc).__name__}: {short(str(exc))}")
    if isinstance(feed, Skipped):
        return _Fetch(sub, error=feed.reason)
    return _Fetch(sub, feed=feed, etag=got.etag, last_modified=got.last_modified,
                  body_hash=body_hash)


def _cutoff(max_age_days: float | None) -> str | None:
    if not max_age_days:
        return None
    return (datetime.now(UTC) - timedelta(days=max_age_days)).date().isoformat()


def refresh_feeds(
    subs: Subscriptions,
    store: ChunkStore,
    embedder: Embedder,
    *,
    data_dir: Path,
    feed_ids: Sequence[int] | None = None,
    respect_backoff: bool = True,
    max_age_days: float | None = None,
    max_tokens: int = 200,
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT_S,
    progress: Progress | None = None,
    client: httpx.Client | None = None,
    slots: HostSlots | None = None,
    max_entries: int = MAX_ENTRIES,
) -> RefreshReport:
    """Refresh the subscribed feeds (``feed_ids``: only those); see the module docstring.

    Raises:
        IngestBusy: another ingest holds the data dir (nothing is remembered; try later).
        StoreUnavailable: the Chroma server is down.
    """
    totals = Totals(progress)
    slots = slots or HostSlots()
    subs_list = [s for s in subs.feeds() if feed_ids is None or s.id in feed_ids]
    report = RefreshReport([FeedResult(s) for s in subs_list])
    results = {r.feed.id: r for r in report.feeds}
    now = time.time()
    due = []
    for sub in subs_list:
        if respect_backoff and sub.backing_off(now):
            results[sub.id].backing_off = True
        else:
            due.append(sub)
    if not due:
        return report
    totals.add(len(due))
    own = client is None
    http = client or new_client(timeout)
    # Not a ``with`` block: on Ctrl-C, queued fetches are dropped instead of waited for.
    pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="newsqa-feeds")
    try:
        def get_feed(sub: Subscription) -> _Fetch:
            out = _fetch_feed(sub, slots, http, max_bytes=max_bytes, timeout=timeout)
            totals("input", 1)
            return out

        fetched = list(pool.map(get_feed, due))
        plan = _plan(subs, fetched, results, _cutoff(max_age_days), max_entries)
        totals.add(len(plan))

        def get_entry(item: tuple[_Fetch, FeedEntry]) -> Article | Skipped:
            f, entry = item
            outlet = f.sub.name or (f.feed.title if f.feed else None)
            out = read_entry(entry, outlet, slots, client=http, max_bytes=max_bytes,
                             timeout=timeout)
            totals("input", 1)
            return out

        partial: set[int] = set()  # feeds with an entry failed or only summarised
        for i in range(0, len(plan), BATCH):  # written as we go: see the module docstring
            batch = plan[i : i + BATCH]
            read = list(pool.map(get_entry, batch))
            articles = [a for a in read if isinstance(a, Article)]
            ingested = IngestReport()
            if articles:
                ingested = ingest_articles(store, embedder, articles, data_dir=data_dir,
                                           max_tokens=max_tokens, progress=totals)
                merge_reports(report.ingest, ingested)
            _record(subs, batch, read, ingested, results, partial)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        if own:
            http.close()
    _finish(subs, fetched, results, partial)
    return report


def _plan(subs: Subscriptions, fetched: list[_Fetch], results: dict[int, FeedResult],
          cutoff: str | None, max_entries: int = MAX_ENTRIES
          ) -> list[tuple[_Fetch, FeedEntry]]:
    """The entries whose pages must be read, at most ``max_entries`` per feed, newest first;
    counts the rest as unchanged, too old or deferred."""
    hashes = subs.known_hashes()
    planned: set[str] = set()
    plan: list[tuple[_Fetch, FeedEntry]] = []
    for f in fetched:
        r = results[f.sub.id]
        if f.error:
            failures = subs.mark_failed(f.sub.id, f.error)
            r.error = f.error if failures < 2 else f"{f.error}; {failures} failures in a row"
            continue
        if f.not_modified or f.feed is None:
            subs.mark_not_modified(f.sub.id)
            r.not_modified = True
            continue
        if f.feed.title and not f.sub.title:  # first fetch: name it in the summary line
            r.feed = replace(f.sub, title=f.feed.title)
        known = subs.known(f.sub.id)
        taken = 0
        for entry in newest_first(f.feed.entries):
            k = known.get(entry.key)
            retry = k is not None and k.summary_only and k.tries < SUMMARY_RETRIES
            same = k.hash == entry.hash and not retry if k is not None else False
            duplicate = k is None and entry.hash in hashes  # the same entry under another key
            if same or duplicate:
                r.unchanged += 1
            elif cutoff and entry.published and entry.published[:10] < cutoff:
                r.too_old += 1
            elif entry.key in planned:  # listed by two feeds in this run: read once
                r.unchanged += 1
            elif taken >= max_entries:
                r.deferred += 1
            else:
                taken += 1
                planned.add(entry.key)
                plan.append((f, entry))
    return plan


def _record(subs: Subscriptions, batch: list[tuple[_Fetch, FeedEntry]],
            read: list[Article | Skipped], ing: IngestReport, results: dict[int, FeedResult],
            partial: set[int]) -> None:
    """Count one batch's outcomes per feed and remember its entries now indexed; feeds with
    an entry failed or only summarised go into ``partial``."""
    added, updated = set(ing.added), set(ing.updated)
    skipped = dict(ing.skipped)
    rows: dict[int, list[tuple[str, str, str, bool]]] = {}
    for (f, entry), got in zip(batch, read, strict=True):
        r = results[f.sub.id]
        if isinstance(got, Skipped) or got.from_feed_summary:
            partial.add(f.sub.id)
        if isinstance(got, Skipped):
            r.failed.append((entry.link or entry.key, got.reason))
            continue
        label = got.url or got.path or got.title
        if label in skipped:
            r.failed.append((label, skipped[label]))
            continue
        if label in added:
            r.new += 1
            r.from_summary += int(got.from_feed_summary)
        elif label in updated:
            r.updated += 1
        else:
            r.unchanged += 1
        rows.setdefault(f.sub.id, []).append(
            (entry.key, entry.hash, got.article_id, got.from_feed_summary))
    for feed_id, feed_rows in rows.items():
        subs.remember(feed_id, feed_rows)


def _finish(subs: Subscriptions, fetched: list[_Fetch], results: dict[int, FeedResult],
            partial: set[int]) -> None:
    """Mark the feeds read; store their validators only when every entry is in the index
    (none failed, only summarised or left for the next refresh)."""
    for f in fetched:
        if f.feed is None:
            continue
        r = results[f.sub.id]
        complete = f.sub.id not in partial and not r.failed and not r.deferred
        subs.mark_ok(f.sub.id, title=f.feed.title, etag=f.etag, last_modified=f.last_modified,
                     body_hash=f.body_hash, keep_validators=complete)


def describe(sub: Subscription, entries: int, now: float | None = None) -> dict[str, Any]:
    """A subscription as ``feeds list --json`` prints it."""
    return {
        "id": sub.id, "name": sub.label, "url": sub.url, "entries": entries,
        "last_ok": sub.last_ok, "failures": sub.failures, "last_error": sub.last_error,
        "backing_off_until": (
            datetime.fromtimestamp(sub.retry_after, UTC).replace(microsecond=0).isoformat()
            if sub.backing_off(now) else None
        ),
    }
