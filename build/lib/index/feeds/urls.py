"""``newsqa ingest`` with URLs: each URL is fetched once; a feed (by content type or content)
becomes its entries' articles, any other page is read as before. Files and folders go
through the usual pipeline unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from index.feeds.entries import HostSlots, polite_fetch, read_entry
from index.feeds.parse import FeedEntry, looks_like_feed, parse_feed
from index.feeds.refresh import (
    MAX_ENTRIES,
    TIMEOUT_S,
    WORKERS,
    Progress,
    Totals,
    merge_reports,
    newest_first,
)
from index.ingest.fetch import new_client
from index.ingest.pipeline import Embedder, ingest, ingest_articles
from index.ingest.read import MAX_BYTES, is_url, read_fetched
from index.ingest.skipped import Skipped, short
from index.store import ChunkStore
from index.types import Article, IngestReport


def ingest_inputs(
    store: ChunkStore,
    embedder: Embedder,
    inputs: Sequence[str],
    *,
    data_dir: Path,
    prune: bool = False,
    max_tokens: int = 200,
    max_bytes: int = MAX_BYTES,
    progress: Progress | None = None,
    timeout: float = TIMEOUT_S,
    client: httpx.Client | None = None,
    max_entries: int = MAX_ENTRIES,
) -> IngestReport:
    """Like :func:`index.ingest.pipeline.ingest`, except that a URL may be an RSS/Atom feed
    (its newest ``max_entries`` entries are read; a note says when there were more).

    Pages are fetched outside the ingest lock (a slow site never holds it); without URLs
    this is exactly ``ingest``.
    """
    urls = list(dict.fromkeys(i.strip() for i in inputs if is_url(i)))
    if not urls:
        return ingest(store, embedder, inputs, data_dir=data_dir, prune=prune,
                      max_tokens=max_tokens, max_bytes=max_bytes, progress=progress)
    own = client is None
    http = new_client(timeout) if client is None else client
    try:
        return _ingest_urls(store, embedder, inputs, urls, http, data_dir=data_dir, prune=prune,
                            max_tokens=max_tokens, max_bytes=max_bytes, progress=progress,
                            timeout=timeout, max_entries=max_entries)
    finally:
        if own:
            http.close()


def _ingest_urls(
    store: ChunkStore,
    embedder: Embedder,
    inputs: Sequence[str],
    urls: list[str],
    client: httpx.Client,
    *,
    data_dir: Path,
    prune: bool,
    max_tokens: int,
    max_bytes: int,
    progress: Progress | None,
    timeout: float,
    max_entries: int,
) -> IngestReport:
    totals = Totals(progress)
    report = IngestReport()
    articles: list[Article] = []
    slots = HostSlots()
    totals.add(len(urls))
    with ThreadPoolExecutor(WORKERS) as pool:
        for url in urls:
            got = polite_fetch(url, slots, client=client, max_bytes=max_bytes, timeout=timeout)
            totals("input", 1)
            if isinstance(got, Skipped):
                report.skipped.append((got.input, got.reason))
                continue
            if not looks_like_feed(got.mime, got.data):
                try:
                    page = read_fetched(got)
                except Exception as exc:  # a broken page must never abort the run
                    page = Skipped(url, f"unexpected error: {type(exc).__name__}: "
                                        f"{short(str(exc))}")
                if isinstance(page, Skipped):
                    report.skipped.append((page.input, page.reason))
                else:
                    articles.append(page)
                continue
            feed = parse_feed(got.data, url=url, mime=got.mime, charset=got.charset)
            if isinstance(feed, Skipped):
                report.skipped.append((feed.input, feed.reason))
                continue
            entries = newest_first(feed.entries)[:max_entries]
            if len(feed.entries) > max_entries:
                report.notes.append((url, f"the feed lists {len(feed.entries)} entries: read the "
                                          f"newest {max_entries} (NEWSQA_FEED_MAX_ENTRIES)"))
            totals.add(len(entries))

            def one(entry: FeedEntry, outlet: str = feed.title) -> Article | Skipped:
                out = read_entry(entry, outlet or None, slots, client=client,
                                 max_bytes=max_bytes, timeout=timeout)
                totals("input", 1)
                return out

            for item in pool.map(one, entries):
                if isinstance(item, Skipped):
                    report.skipped.append((item.input, item.reason))
                else:
                    articles.append(item)
    others = [i for i in inputs if not is_url(i)]
    if others or prune:
        merge_reports(report, ingest(store, embedder, others, data_dir=data_dir, prune=prune,
                                     max_tokens=max_tokens, max_bytes=max_bytes,
                                     progress=totals))
    if articles:
        merge_reports(report, ingest_articles(store, embedder, articles, data_dir=data_dir,
                                              max_tokens=max_tokens, progress=totals))
    return report
