"""A feed entry → :class:`Article`: its page read like any URL, with the feed filling in
what the page lacks; when the page cannot be had, the entry's own summary, marked as such.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import urlsplit

import httpx

from index.feeds.parse import FeedEntry
from index.ingest.fetch import Fetched, fetch
from index.ingest.parse import parse_text
from index.ingest.read import read_fetched
from index.ingest.skipped import Skipped, short
from index.types import Article

PER_HOST = 2  # politeness: concurrent requests to one host
SUMMARY_MARK = "from the feed summary"
_MIN_SUMMARY_WORDS = 5
_PAGE_TITLE = re.compile(rb"<title[^>]*>\s*[^<\s]|og:title", re.IGNORECASE)


class HostSlots:
    """At most ``per_host`` requests in flight to one host (``host:port``) across threads."""

    def __init__(self, per_host: int = PER_HOST) -> None:
        self.per_host = per_host
        self._sems: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        self._active: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        """Most requests seen in flight per host (tests check the limit held)."""

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            sem = self._sems.setdefault(host, threading.BoundedSemaphore(self.per_host))
        with sem:
            with self._lock:
                self._active[host] = self._active.get(host, 0) + 1
                self.peak[host] = max(self.peak.get(host, 0), self._active[host])
            try:
                yield
            finally:
                with self._lock:
                    self._active[host] -= 1


def polite_fetch(
    url: str, slots: HostSlots, *, client: httpx.Client, max_bytes: int, timeout: float,
    headers: dict[str, str] | None = None,
) -> Fetched | Skipped:
    """``fetch`` inside a per-host slot."""
    with slots.slot(url):
        return fetch(url, max_bytes=max_bytes, timeout=timeout, client=client, headers=headers)


def page_article(got: Fetched, entry: FeedEntry, outlet: str | None) -> Article | Skipped:
    """The entry's page as an Article; title, date, outlet and link come from the feed when
    the page has none (the outlet is the feed's title)."""
    article = read_fetched(got)
    if isinstance(article, Skipped):
        return article
    has_title = _PAGE_TITLE.search(got.data[:200_000]) is not None
    return replace(
        article,
        title=article.title if has_title or not entry.title else entry.title,
        source=_real_outlet(article.source, got.url) or outlet or None,
        published=article.published or entry.published,
        url=article.url or entry.link,
    )


def _real_outlet(source: str | None, url: str) -> str | None:
    """The page's outlet, unless it is only the host name (trafilatura's last resort)."""
    host = (urlsplit(url).hostname or "").lower()
    if not source or source.lower() in (host, host.removeprefix("www."), urlsplit(url).netloc):
        return None
    return source


def summary_article(entry: FeedEntry, outlet: str | None) -> Article | None:
    """The entry's own summary as an Article marked ``from_feed_summary`` (its title says
    so too, so every citation of it does), or None when the summary is too short to index."""
    if len(entry.summary.split()) < _MIN_SUMMARY_WORDS:
        return None
    article = parse_text(
        entry.summary,
        url=entry.link,
        title_hint=entry.title or None,
        source_hint=outlet or None,
        published_hint=entry.published,
    )
    if isinstance(article, Skipped):
        return None
    return replace(article, title=f"{article.title} ({SUMMARY_MARK})", from_feed_summary=True)


def read_entry(
    entry: FeedEntry, outlet: str | None, slots: HostSlots, *, client: httpx.Client,
    max_bytes: int, timeout: float,
) -> Article | Skipped:
    """Fetch and read one entry's page, falling back to its summary. Never raises."""
    reason = "entry has no link"
    try:
        if entry.link:
            got = polite_fetch(entry.link, slots, client=client, max_bytes=max_bytes,
                               timeout=timeout)
            article = got if isinstance(got, Skipped) else page_article(got, entry, outlet)
            if not isinstance(article, Skipped):
                return article
            reason = article.reason
        fallback = summary_article(entry, outlet)
    except Exception as exc:  # one broken entry must never stop a refresh
        return Skipped(entry.key, f"unexpected error: {type(exc).__name__}: {short(str(exc))}")
    return fallback if fallback is not None else Skipped(entry.link or entry.key, reason)
