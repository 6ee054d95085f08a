"""Feed refresh speed: 10 feeds × 30 entries from a local server (tests/feed_server.py).

1. First refresh into a fresh data dir: fetch 10 feeds and 300 article pages (at most 2 at
   a time per host, as in production; all on 127.0.0.1), extract with trafilatura, embed,
   write. Reported as articles/s.
2. No-change refresh, server honouring ETag: 10 × 304.
3. No-change refresh, server ignoring validators and regenerating the feeds (same entries,
   other bytes): 10 full feeds parsed, 300 known entries skipped by key and hash. Target
   (this one, the stricter): < 1 s.
4. The same bytes again: skipped by the body hash, not parsed.

Article texts are recombined dev-corpus sentences (``common.spliced_pool``), so the embedder
does real work. Chroma opening and embedder warm-up are outside the timings.

    python bench/feeds.py [--no-docs]
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import common

sys.path.insert(0, str(common.REPO / "tests"))
from feed_server import Entry, FeedServer  # shared with the tests

FEEDS, PER_FEED = 10, 30
TARGET_S = 1.0
NOW = datetime.now(UTC).replace(microsecond=0)  # entry dates: the same in every build


def _content(srv: FeedServer, pool: list[str], *, reverse: bool = False,
             conditional: bool = True) -> None:
    """The pages and feeds (the same every time; ``reverse`` lists each feed backwards)."""
    rng = random.Random(5)
    now = NOW
    for f in range(FEEDS):
        entries = []
        for e in range(PER_FEED):
            slug = f"f{f}-e{e}"
            title = " ".join(rng.choice(pool).split()[:9]).rstrip(".,;:")
            paras = [" ".join(rng.choice(pool) for _ in range(2)) for _ in range(5)]
            srv.article(slug, title, paras)
            entries.append(Entry(slug, title, now - timedelta(hours=e), paras[0]))
        srv.feed(f"/feed{f}.xml", f"Outlet {f}", entries[::-1] if reverse else entries,
                 kind="rss" if f % 2 else "atom", conditional=conditional)


def run() -> dict[str, Any]:
    os.environ.setdefault("NEWSQA_ALLOW_PRIVATE_URLS", "1")
    from index.config import IndexConfig
    from index.engine import Engine
    from index.feeds.refresh import refresh_feeds
    from index.feeds.subscriptions import Subscriptions

    common.require_eval_dev()
    load_at_start = common.machine()["loadavg"]
    emb = common.embedder()
    pool = common.spliced_pool(common.dev_sentences(emb.count_tokens), 3000)
    tmp = Path(tempfile.mkdtemp(prefix="newsqa-bench-feeds-"))
    try:
        with FeedServer() as srv:
            _content(srv, pool)
            engine = Engine(IndexConfig(data_dir=tmp / "data", allow_private_urls=True),
                            embedder=emb)
            engine.store.count()  # open Chroma outside the timing
            subs = Subscriptions(engine.cfg.data_dir)
            for f in range(FEEDS):
                subs.add(srv.url(f"/feed{f}.xml"))

            last_input = [0.0]

            def progress(event: str, n: int) -> None:
                if event == "input":
                    last_input[0] = time.perf_counter()

            def refresh() -> tuple[Any, float]:
                t0 = time.perf_counter()
                last_input[0] = t0
                with engine.http_client() as client:
                    rep = refresh_feeds(subs, engine.store, engine.embedder,
                                        data_dir=engine.cfg.data_dir, progress=progress,
                                        client=client)
                return rep, time.perf_counter() - t0

            t_first = time.perf_counter()
            first, first_s = refresh()
            read_s = last_input[0] - t_first  # the last page read: fetch + extract done
            added = len(first.ingest.added)
            # No-change refreshes: best of 3 each (they are short, so noise matters).
            cond_times = []
            for _ in range(3):
                cond, took = refresh()
                assert all(r.not_modified for r in cond.feeds), cond.summary()
                cond_times.append(took)
            cond_s = min(cond_times)
            full_times = []
            for i in range(3):
                # other bytes, same entries, and no validators from now on
                _content(srv, pool, reverse=i % 2 == 0, conditional=False)
                full, took = refresh()
                unchanged = sum(r.unchanged for r in full.feeds)
                assert unchanged == FEEDS * PER_FEED and not full.ingest.added, full.summary()
                full_times.append(took)
            full_s = min(full_times)
            same_times = []
            for _ in range(3):  # the very same bytes again
                same, took = refresh()
                assert all(r.not_modified for r in same.feeds), same.summary()
                same_times.append(took)
            same_s = min(same_times)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "bench": "feeds",
        "feeds": FEEDS,
        "entries": FEEDS * PER_FEED,
        "articles_added": added,
        "chunks_embedded": first.ingest.chunks_embedded,
        "first_refresh_s": round(first_s, 2),
        "first_articles_per_s": round(added / first_s, 1),
        "first_fetch_extract_s": round(read_s, 2),
        "first_embed_write_s": round(first_s - read_s, 2),
        "no_change_304_s": round(cond_s, 3),
        "no_change_full_feeds_s": round(full_s, 3),
        "no_change_same_bytes_s": round(same_s, 3),
        "target_s": TARGET_S,
        "met": full_s < TARGET_S,
        "loadavg_at_start": load_at_start,
        "loadavg_at_end": common.machine()["loadavg"],
    }


def markdown(r: dict[str, Any]) -> str:
    table = common.md_table(
        ["refresh", "wall time (no-change rows: best of 3)", ""],
        [
            ["first (fetch + extract + embed + write)", f"{r['first_refresh_s']:.1f} s",
             f"{r['first_articles_per_s']:.1f} articles/s "
             f"({r['articles_added']} articles, {r['chunks_embedded']} chunks): fetch + "
             f"extract {r['first_fetch_extract_s']:.1f} s, then embed + write "
             f"{r['first_embed_write_s']:.1f} s"],
            ["no change, server answers 304", f"{1000 * r['no_change_304_s']:.0f} ms",
             f"{r['feeds']} conditional GETs"],
            ["no change, no validators, feeds regenerated",
             f"{1000 * r['no_change_full_feeds_s']:.0f} ms",
             f"{r['entries']} known entries parsed and skipped"],
            ["no change, no validators, same bytes",
             f"{1000 * r['no_change_same_bytes_s']:.0f} ms", "body hash equal: not parsed"],
        ],
    )
    return (
        "## Feed refresh\n\n"
        "`python bench/feeds.py` — {feeds} feeds × {per} entries (RSS and Atom) and their "
        "article pages from a local server on 127.0.0.1 (tests/feed_server.py), into a fresh "
        "data dir; pages fetched at most 2 at a time per host, as in production. Load average "
        "at start {load}, at the end {load_end} (a load above the core count means other "
        "processes shared the cores; the embedding step slows accordingly).\n\n{table}\n\n"
        "No-change refresh of {entries} known entries: **{ms:.0f} ms** "
        "(target < {target:.0f} s: {verdict}).\n"
    ).format(feeds=r["feeds"], per=r["entries"] // r["feeds"], load=r["loadavg_at_start"],
             load_end=r.get("loadavg_at_end", "?"),
             table=table, entries=r["entries"], ms=1000 * r["no_change_full_feeds_s"],
             target=r["target_s"], verdict=common.verdict(r["met"]))


def main() -> None:
    result = run()
    if common.wants_docs():
        common.update_section("feeds", markdown(result))
    common.emit(result)


if __name__ == "__main__":
    main()
