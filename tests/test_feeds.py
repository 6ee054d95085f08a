"""Feeds end to end on loopback: a local feed server (RSS, Atom, article pages, broken feeds),
the real refresh, the real embedder and a real Chroma in tmp_path."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from feed_server import Entry, FeedServer, article_html, rss  # tests/ is on sys.path

from index.engine import Engine
from index.feeds.entries import SUMMARY_MARK
from index.feeds.parse import html_to_text, looks_like_feed, parse_feed
from index.feeds.refresh import RefreshReport, refresh_feeds
from index.feeds.subscriptions import FAILS_BEFORE_BACKOFF, Subscriptions
from index.ingest.skipped import Skipped
from index.retention import prune_older_than

NOW = datetime.now(UTC).replace(microsecond=0)

# One distinctive fact per story, so questions can tell the articles apart.
STORIES = [
    ("harbor", "Harbor bridge opens in Port Elms",
     "The new harbor bridge in Port Elms cost 412 million dollars to build.",
     "Mayor Ada Quill cut the ribbon on Tuesday morning."),
    ("orchard", "Orchard growers report record apple harvest",
     "Growers in the Vell valley picked 38000 tonnes of apples this season.",
     "Cooperative chair Lina Marsh credited the mild spring."),
    ("comet", "Amateur astronomer spots new comet",
     "Retired teacher Oskar Brandt found the comet with a 20 centimetre telescope.",
     "The comet will be brightest in the second week of March."),
    ("tram", "Riverside tram line carries first passengers",
     "The Riverside tram line carried 9100 passengers on its first day.",
     "Trams run every six minutes between the station and the university."),
    ("library", "City library lends its millionth book",
     "The Garnet Street library lent its millionth book, a copy of a sailing atlas.",
     "Librarian Theo Grant said the atlas had been borrowed 212 times."),
    ("glacier", "Glacier retreat measured by survey team",
     "The Sorn glacier retreated 64 metres last year, the survey team reported.",
     "Survey leader Ines Kaur said the melt season began three weeks early."),
]


def story(i: int, *, days_ago: float = 0.0) -> Entry:
    slug, title, fact, more = STORIES[i]
    return Entry(slug, title, NOW - timedelta(days=days_ago, hours=i), f"{fact} {more}")


def serve_page(srv: FeedServer, i: int, **kw: object) -> str:
    slug, title, fact, more = STORIES[i]
    paragraphs = [fact, more, f"Officials said more details about the {slug} story would "
                  "follow later in the week, after a public meeting at the town hall."]
    return srv.article(slug, title, paragraphs, **kw)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hardening issue's private-address policy: tests fetch from 127.0.0.1."""
    monkeypatch.setenv("NEWSQA_ALLOW_PRIVATE_URLS", "1")


def refresh(engine: Engine, subs: Subscriptions, **kw: object) -> RefreshReport:
    with engine.http_client() as client:  # the engine's policy: 127.0.0.1 allowed here
        return refresh_feeds(subs, engine.store, engine.embedder, data_dir=engine.cfg.data_dir,
                             client=client, **kw)  # type: ignore[arg-type]


def lines(report: RefreshReport) -> dict[str, str]:
    return {r.feed.label: r.line() for r in report.feeds}


# ----------------------------------------------------------------------------------------------
# Parsing


def test_parse_rss_atom_and_not_feeds() -> None:
    entries = [story(0), story(1)]
    feed = parse_feed(rss("Daily Planet", "http://x", entries), url="http://x/rss",
                      mime="application/rss+xml")
    assert not isinstance(feed, Skipped)
    assert feed.title == "Daily Planet"
    assert [e.title for e in feed.entries] == [STORIES[0][1], STORIES[1][1]]
    first = feed.entries[0]
    assert first.link == "http://x/articles/harbor.html" and first.key == first.link
    assert first.published == entries[0].published.isoformat()
    assert first.summary.startswith("The new harbor bridge") and "<p>" not in first.summary
    assert looks_like_feed("text/xml", b'<?xml version="1.0"?>\n<rss version="2.0">')
    assert looks_like_feed("application/atom+xml", b"")
    assert not looks_like_feed("text/html", b"<html><body>rss</body></html>")
    assert not looks_like_feed("", b"<!doctype html><html><p>see <rss> here</p>")

    broken = parse_feed(b"<?xml version='1.0'?><rss><channel><title>x</ti", url="u")
    assert isinstance(broken, Skipped) and broken.reason.startswith("not a valid RSS/Atom feed")
    assert "\n" not in broken.reason
    html = parse_feed(article_html("Page", ["Just a page."]), url="u", mime="text/html")
    assert isinstance(html, Skipped) and "HTML page" in html.reason
    json_feed = parse_feed(b'{"version": "https://jsonfeed.org/version/1.1"}', url="u")
    assert isinstance(json_feed, Skipped) and "JSON Feed is not supported" in json_feed.reason
    assert html_to_text("<div><p>One &amp; two.</p><ul><li>a</li></ul>tail<br>next</div>") == (
        "One & two.\n\na\n\ntail\n\nnext")
    assert html_to_text("Fish &amp; chips\n\n  served ") == "Fish & chips\n\nserved"
    empty = parse_feed(b"  ", url="u", mime="application/rss+xml")
    assert isinstance(empty, Skipped) and "empty" in empty.reason


# ----------------------------------------------------------------------------------------------
# Refresh


def test_refresh_is_incremental_conditional_and_polite(
    srv: FeedServer, make_engine: Callable[..., Engine]
) -> None:
    engine = make_engine(allow_private_urls=True)
    subs = Subscriptions(engine.cfg.data_dir)
    rss_entries = [story(0), story(1), story(2)]
    atom_entries = [story(3), story(4)]
    for i in range(5):  # slow pages: without the per-host limit, 5 would be in flight
        serve_page(srv, i, delay_s=0.3, with_title=(i != 1), published=None)
    subs.add(srv.feed("/rss.xml", "Valley Gazette", rss_entries))
    subs.add(srv.feed("/atom.xml", "Metro Wire", atom_entries, kind="atom"), name="Metro")

    first = refresh(engine, subs)
    assert lines(first) == {"Valley Gazette": "Valley Gazette: 3 new, 0 unchanged",
                            "Metro": "Metro: 2 new, 0 unchanged"}
    assert srv.peak == 2  # pages were fetched in parallel, never more than 2 at once
    sources = {a.title: a for a in engine.sources()}
    assert len(sources) == 5
    # the page has no <title>: the feed's; no site name or date on the pages: the feed's
    assert STORIES[1][1] in sources
    assert sources[STORIES[0][1]].source == "Valley Gazette"
    assert sources[STORIES[3][1]].source == "Metro"
    assert sources[STORIES[0][1]].published == rss_entries[0].published.isoformat()
    assert sources[STORIES[0][1]].url == srv.url("/articles/harbor.html")
    answer = engine.answer("How much did the harbor bridge in Port Elms cost?")
    assert not answer.refused and "412 million" in answer.answer

    # One new entry: exactly one page fetched and ingested; the Atom feed answers 304.
    pages_before = srv.count("/articles/")
    serve_page(srv, 5)
    srv.feed("/rss.xml", "Valley Gazette", [story(5), *rss_entries])
    second = refresh(engine, subs)
    assert lines(second) == {"Valley Gazette": "Valley Gazette: 1 new, 3 unchanged",
                             "Metro": "Metro: not modified"}
    assert srv.count("/articles/") == pages_before + 1
    assert second.ingest.added == [srv.url("/articles/glacier.html")]
    assert srv.count("/atom.xml", status=304) == 1
    assert len(engine.sources()) == 6

    # Nothing changed: two 304s, no page, nothing embedded.
    pages_before = srv.count("/articles/")
    third = refresh(engine, subs)
    assert all(r.not_modified for r in third.feeds)
    assert srv.count("/articles/") == pages_before
    assert third.ingest.chunks_embedded == 0 and not third.ingest.added

    # A server without validators regenerates the feed (same entries, other bytes): the
    # feed is parsed and every entry skipped as known, without a request.
    srv.feed("/rss.xml", "Valley Gazette", [*rss_entries, story(5)], conditional=False)
    fourth = refresh(engine, subs)
    assert lines(fourth)["Valley Gazette"] == "Valley Gazette: 0 new, 4 unchanged"
    assert srv.count("/articles/") == pages_before
    assert fourth.ingest.chunks_embedded == 0
    # ... and the very same bytes again are not even parsed.
    assert lines(refresh(engine, subs))["Valley Gazette"] == "Valley Gazette: not modified"
    assert srv.count("/rss.xml", status=200) == 4 and srv.count("/articles/") == pages_before


def test_broken_feeds_get_one_line_reasons_and_back_off(
    srv: FeedServer, make_engine: Callable[..., Engine]
) -> None:
    engine = make_engine(allow_private_urls=True)
    subs = Subscriptions(engine.cfg.data_dir)
    serve_page(srv, 0)
    good = subs.add(srv.feed("/good.xml", "Good News", [story(0)]))
    bad = {
        "invalid": srv.set("/invalid.xml", b"<?xml version='1.0'?><rss><channel><item>",
                           "application/rss+xml"),
        "html": srv.set("/page.html", article_html("Not a feed", ["A page, not a feed."]),
                        "text/html"),
        "missing": srv.url("/gone.xml"),
        "slow": srv.set("/slow.xml", rss("Slow", srv.base, [story(1)]),
                        "application/rss+xml", delay_s=3.0),
    }
    for name, url in bad.items():
        subs.add(url, name=name)

    report = refresh(engine, subs, timeout=1.0)
    got = lines(report)
    assert got["Good News"] == "Good News: 1 new, 0 unchanged"
    assert got["invalid"].startswith("invalid: failed (not a valid RSS/Atom feed")
    assert got["html"] == "html: failed (not an RSS/Atom feed: the URL returned an HTML page)"
    assert got["missing"] == "missing: failed (HTTP 404 Not Found)"
    assert got["slow"] == "slow: failed (timed out)"
    assert all("\n" not in line for line in got.values())
    assert [a.title for a in engine.sources()] == [STORIES[0][1]]

    # The 404 keeps failing: from the 3rd failure in a row it backs off, and `list` says why.
    only = [subs.find("missing").id]
    for _ in range(FAILS_BEFORE_BACKOFF - 1):
        refresh(engine, subs, feed_ids=only)
    missing = subs.find("missing")
    assert missing.failures == FAILS_BEFORE_BACKOFF and missing.backing_off()
    assert missing.last_error == "HTTP 404 Not Found"
    hits = srv.count("/gone.xml")
    skipped = refresh(engine, subs, feed_ids=only)
    assert srv.count("/gone.xml") == hits  # not even asked
    assert skipped.feeds[0].line().startswith("missing: skipped, backing off after 3 failures")
    forced = refresh(engine, subs, feed_ids=only, respect_backoff=False)
    assert srv.count("/gone.xml") == hits + 1 and forced.feeds[0].error
    # Success resets the count.
    srv.feed("/gone.xml", "Back Again", [story(0)])
    refresh(engine, subs, feed_ids=only, respect_backoff=False)
    assert subs.find("missing").failures == 0 and subs.get(good.id).failures == 0


def test_unreachable_page_falls_back_to_feed_summary_then_upgrades(
    srv: FeedServer, make_engine: Callable[..., Engine]
) -> None:
    engine = make_engine(allow_private_urls=True)
    subs = Subscriptions(engine.cfg.data_dir)
    serve_page(srv, 1)
    subs.add(srv.feed("/rss.xml", "Valley Gazette", [story(2), story(1)]))  # comet page: 404

    first = refresh(engine, subs)
    assert lines(first)["Valley Gazette"] == (
        "Valley Gazette: 2 new (1 from the feed summary), 0 unchanged")
    titles = {a.title for a in engine.sources()}
    assert f"{STORIES[2][1]} ({SUMMARY_MARK})" in titles
    answer = engine.answer("Who found the new comet?")
    assert "Oskar Brandt" in answer.answer
    cited = [c for c in answer.citations if "Oskar Brandt" in c.quote]
    assert cited and SUMMARY_MARK in cited[0].title
    [chunk] = [c for c in engine.store.iter_all(include_documents=False)
               if c.meta.get("title", "").startswith(STORIES[2][1])][:1]
    assert chunk.meta.get("from_feed_summary") is True

    # The page comes back: the next refresh tries it again and replaces the summary.
    serve_page(srv, 2)
    second = refresh(engine, subs)
    assert lines(second)["Valley Gazette"] == "Valley Gazette: 0 new, 1 updated, 1 unchanged"
    titles = {a.title for a in engine.sources()}
    assert STORIES[2][1] in titles and len(titles) == 2
    assert not any(c.meta.get("from_feed_summary")
                   for c in engine.store.iter_all(include_documents=False))


def test_ingest_url_recognises_a_feed(srv: FeedServer, make_engine: Callable[..., Engine]
                                      ) -> None:
    engine = make_engine(allow_private_urls=True)
    for i in (0, 3):
        serve_page(srv, i)
    feed_url = srv.feed("/feed", "Metro Wire", [story(0), story(3)], kind="atom")
    srv.set("/feed", srv.routes["/feed"].body, "text/xml")  # sniffed by content, not type
    page_url = serve_page(srv, 4)
    report = engine.ingest([feed_url, page_url, srv.url("/nothing")])
    assert sorted(report.added) == sorted([srv.url("/articles/harbor.html"),
                                           srv.url("/articles/tram.html"), page_url])
    assert report.skipped == [(srv.url("/nothing"), "HTTP 404 Not Found")]
    outlets = {a.title: a.source for a in engine.sources()}
    assert outlets[STORIES[0][1]] == "Metro Wire" and outlets[STORIES[4][1]] != "Metro Wire"
    again = engine.ingest([feed_url])
    assert len(again.unchanged) == 2 and again.chunks_embedded == 0


# ----------------------------------------------------------------------------------------------
# Retention


def test_retention_drops_old_articles_and_their_chunks(
    srv: FeedServer, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    engine = make_engine(allow_private_urls=True)
    subs = Subscriptions(engine.cfg.data_dir)
    for i in (0, 1):
        serve_page(srv, i)
    subs.add(srv.feed("/rss.xml", "Valley Gazette", [story(0), story(1, days_ago=400)]))
    undated = tmp_path / "undated.txt"
    undated.write_text("Town fair returns\n\nThe town fair returns with 40 stalls this year.\n")
    engine.ingest([str(undated)])
    refresh(engine, subs)
    assert len(engine.sources()) == 3
    old_id = next(a.article_id for a in engine.sources() if a.title == STORIES[1][1])

    dry = prune_older_than(engine.store, data_dir=engine.cfg.data_dir, days=30, dry_run=True)
    assert [e.title for e in dry.removed] == [STORIES[1][1]] and len(engine.sources()) == 3
    report = prune_older_than(engine.store, data_dir=engine.cfg.data_dir, days=30)
    assert [e.article_id for e in report.removed] == [old_id]
    # the undated file is judged by its ingest date (today), so it is kept and not "undated"
    assert report.undated == 0 and report.kept == 2
    assert report.cutoff == datetime.now(UTC).date() - timedelta(days=30)
    assert engine.store.stored_chunks([old_id]) == {}
    assert {a.title for a in engine.sources()} == {STORIES[0][1], "Town fair returns"}
    assert "38000" not in engine.answer("How many tonnes of apples were picked?").answer

    # With a retention limit, a refresh does not bring the old entry back.
    srv.feed("/rss.xml", "Valley Gazette", [story(1, days_ago=400), story(0)],
             conditional=False)
    again = refresh(engine, subs, max_age_days=30)
    assert lines(again)["Valley Gazette"] == "Valley Gazette: 0 new, 2 unchanged"
    with pytest.raises(ValueError, match="more than 0 days"):
        prune_older_than(engine.store, data_dir=engine.cfg.data_dir, days=0)
    # A publication date in another format still counts.
    from index.retention import parse_day

    assert parse_day("Tue, 03 Jun 2025 10:00:00 GMT") == date(2025, 6, 3)
    assert parse_day("2024-02-30") is None and parse_day("") is None


def test_trickling_page_is_abandoned_at_the_total_deadline(
    srv: FeedServer, make_engine: Callable[..., Engine]
) -> None:
    """A page that sends one byte a second is given up at NEWSQA_FETCH_TIMEOUT (here 2 s):
    the entry falls back to its summary and the other entry and the feed still refresh."""
    engine = make_engine(allow_private_urls=True, fetch_timeout_s=2.0)
    subs = Subscriptions(engine.cfg.data_dir)
    serve_page(srv, 1)
    serve_page(srv, 2, trickle_s=1.0)  # ~2 KB at 1 byte/s: half an hour if never cut
    subs.add(srv.feed("/rss.xml", "Valley Gazette", [story(2), story(1)]))
    started = time.monotonic()
    report = refresh(engine, subs)
    assert time.monotonic() - started < 60  # cut at the deadline, not after the whole page
    assert lines(report)["Valley Gazette"] == (
        "Valley Gazette: 2 new (1 from the feed summary), 0 unchanged")
    assert f"{STORIES[2][1]} ({SUMMARY_MARK})" in {a.title for a in engine.sources()}
