"""Feeds in the bot: the real PTB Application (with its JobQueue) against the Bot API imitation,
a local feed server, the real embedder and Chroma. Asserts on what the bot sent and did."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import test_telegram as tg  # tests/ is on sys.path: its settings and `running` helpers
from fake_bot_api import FakeBotAPI
from feed_server import FeedServer
from test_feeds import STORIES, serve_page, story

from bot.telegram.feeds import NOT_ADMIN, FeedsBot
from index.engine import Engine
from index.feeds.subscriptions import Subscriptions


@pytest.fixture(autouse=True)
def _allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSQA_ALLOW_PRIVATE_URLS", "1")


def feeds_of(app: Any) -> FeedsBot:
    feeds = app.bot_data["feeds"]
    assert isinstance(feeds, FeedsBot)
    return feeds


async def test_job_queue_refresh_while_questions_are_answered(
    api: FakeBotAPI, srv: FeedServer, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    engine = make_engine(allow_private_urls=True)
    seeds = tmp_path / "seeds"
    shutil.copytree(tg.SEEDS, seeds)
    engine.ingest([str(seeds)])
    for i in range(6):  # slow pages: the refresh takes a few seconds
        serve_page(srv, i, delay_s=1.5)
    Subscriptions(engine.cfg.data_dir).add(
        srv.feed("/rss.xml", "Valley Gazette", [story(i) for i in range(6)]))
    settings = tg.make_settings(api, engine.cfg.data_dir, feed_refresh="1s")

    async with tg.running(settings, engine) as app:
        feeds = feeds_of(app)
        await api.wait_for(lambda: srv.count("/articles/") >= 1, what="the refresh to start")
        api.message(101, tg.Q)
        [reply] = await api.wait_sent(101)
        answered = time.monotonic()
        assert "390" in reply["text"]
        await api.wait_for(lambda: feeds.runs, timeout=120, what="the refresh to end")
        start, end = feeds.runs[0]
        assert start < answered < end, "the question waited for the refresh"
        assert feeds.last is not None
        assert feeds.last.feeds[0].line() == "Valley Gazette: 6 new, 0 unchanged"

        api.message(101, "How much did the harbor bridge in Port Elms cost?")
        replies = await api.wait_sent(101, 2)
        assert "412 million" in replies[1]["text"]
        assert "Valley Gazette" in replies[1]["text"]  # the outlet: the feed's title

        # The job keeps running: the next refresh finds the feed unchanged (304).
        await api.wait_for(lambda: len(feeds.runs) >= 2, timeout=30, what="a second refresh")
        assert feeds.last.feeds[0].not_modified
        assert srv.count("/rss.xml", status=304) >= 1


async def test_feeds_command_is_for_admins(
    api: FakeBotAPI, srv: FeedServer, make_engine: Callable[..., Engine]
) -> None:
    engine = make_engine(allow_private_urls=True)
    for i in (0, 1):
        serve_page(srv, i)
    feed_url = srv.feed("/rss.xml", "Valley Gazette", [story(0), story(1)])
    page_url = serve_page(srv, 2)
    settings = tg.make_settings(api, engine.cfg.data_dir, telegram_admins="@boss",
                                feed_refresh="0")

    async with tg.running(settings, engine) as app:
        assert app.job_queue is not None
        assert not app.job_queue.get_jobs_by_name("feed-refresh")  # 0 = off
        api.message(201, "/feeds")
        [denied] = await api.wait_sent(201)
        assert denied["text"] == NOT_ADMIN

        async def say(text: str) -> str:
            n = len(api.sent(202))
            api.message(202, text, username="boss")
            return str((await api.wait_sent(202, n + 1, timeout=60))[n]["text"])

        assert (await say("/feeds")).startswith("No feeds yet.")
        added = await say(f"/feeds add {feed_url}")
        assert added == ("Added feed 1: Valley Gazette. "
                         "Valley Gazette: 2 new, 0 unchanged")
        assert {a.title for a in engine.sources()} == {STORIES[0][1], STORIES[1][1]}
        assert await say(f"/feeds add {page_url}") == (
            "Not added: not an RSS/Atom feed: the URL returned an HTML page")
        assert await say(f"/feeds add {feed_url}") == f"already subscribed: {feed_url} (feed 1)"
        listing = await say("/feeds")
        assert listing == f"1. Valley Gazette — {feed_url} (2 entries)"
        assert await say("/feeds remove 9") == (
            "no feed '9': give its number or URL from `newsqa feeds list`")
        assert await say("/feeds remove 1") == (
            "Removed feed 1: Valley Gazette. Its articles stay in the index.")
        assert (await say("/feeds frobnicate")).startswith("/feeds lists")
        assert len(engine.sources()) == 2
