"""Following a story in the bot: the real PTB Application against the Bot API imitation, a local
feed server, real ingest, the real embedder, reader and Chroma. A refresh is driven by calling
the bot's own ``FeedsBot.refresh`` (what the JobQueue job calls), so nothing waits on a clock."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import test_telegram as tg  # tests/ is on sys.path: its settings and `running` helpers
from fake_bot_api import FakeBotAPI
from feed_server import Entry, FeedServer
from test_feeds import NOW, STORIES, serve_page, story

from bot.follows import Follow, remove_follow
from bot.telegram.follow import PENDING_FILE, FollowBot, Pace
from bot.telegram.handlers import NewsBot
from bot.telegram.state import STATE_FILE
from index.engine import Engine
from index.feeds.subscriptions import Subscriptions


@pytest.fixture(autouse=True)
def _allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSQA_ALLOW_PRIVATE_URLS", "1")


def delivered(api: FakeBotAPI, chat_id: int) -> list[str]:
    """Texts of the messages the API accepted for ``chat_id`` (failed sends left out)."""
    return [str(c.params["text"]) for c in api.calls_to("sendMessage", chat_id)
            if not isinstance(c.result, LookupError)]


async def say(api: FakeBotAPI, chat_id: int, text: str) -> str:
    n = len(delivered(api, chat_id))
    api.message(chat_id, text)
    await api.wait_for(lambda: len(delivered(api, chat_id)) > n, timeout=30, what=text)
    return delivered(api, chat_id)[n]


async def no_sleep(seconds: float) -> None:
    """The pushes' waits (429, backoff) recorded, not slept."""
    SLEPT.append(seconds)


SLEPT: list[float] = []
STORM = [  # two days' reports of one story, the figure changing
    ("storm-1", "Storm Bert batters Port Elms", 1.0,
     "Storm Bert injured 12 people in Port Elms on Monday, officials said.",
     "Winds of 110 km/h tore roofs from houses near the harbor."),
    ("storm-2", "Storm Bert injuries rise in Port Elms", 0.0,
     "Storm Bert has injured 17 people in Port Elms, the mayor said on Tuesday.",
     "Crews are still clearing fallen trees from the coast road."),
]


def storm(srv: FeedServer, i: int) -> Entry:
    """Serve the storm report ``i`` and return its feed entry."""
    slug, title, days_ago, lede, more = STORM[i]
    srv.article(slug, title, [lede, more])
    return Entry(slug, title, NOW - timedelta(days=days_ago), f"{lede} {more}")


async def test_follow_push_once_restart_and_429(
    api: FakeBotAPI, srv: FeedServer, make_engine: Callable[..., Engine],
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = make_engine(allow_private_urls=True)
    for i in range(6):
        serve_page(srv, i)
    feed = [story(1)]  # the orchard story is in the index before anyone follows anything
    subs = Subscriptions(engine.cfg.data_dir)
    subs.add(srv.feed("/rss.xml", "Valley Gazette", feed))
    settings = tg.make_settings(api, engine.cfg.data_dir, feed_refresh="0", follow_max=3)
    SLEPT.clear()

    async with tg.running(settings, engine) as app:
        follow: FollowBot = app.bot_data["follow"]
        follow.sleep = no_sleep
        feeds = app.bot_data["feeds"]
        assert await feeds.refresh() is not None
        assert (await say(api, 301, "/follow harbor bridge in Port Elms")).startswith(
            "Following “harbor bridge in Port Elms”")
        assert "already follows" in await say(api, 301, "/follow Harbor bridge in  Port Elms")
        assert "too long" in await say(api, 301, "/follow " + "x" * 101)
        await say(api, 302, "/follow Vell valley apple harvest")
        await say(api, 303, "/follow Riverside tram line")
        await say(api, 304, "/follow Sorn glacier")
        await say(api, 306, "/follow Storm Bert in Port Elms")
        await say(api, 307, "/follow Garnet Street library")
        for topic in ("a", "b", "c"):
            await say(api, 305, f"/follow {topic}")
        assert "the most it may" in await say(api, 305, "/follow d")
        assert await say(api, 305, "/unfollow 2") == "Stopped following “b”."
        assert await say(api, 305, "/following") == "1. a\n2. c"
        assert "No such topic" in await say(api, 305, "/unfollow 9")
        before = {c: len(delivered(api, c)) for c in (301, 302, 303, 304, 306, 307)}

        # The feed gains the harbor story (followed by 301), the comet story (by no one) and
        # the storm's first report (306).
        feed[:0] = [story(0), story(2), storm(srv, 0)]
        srv.feed("/rss.xml", "Valley Gazette", feed)
        await feeds.refresh()
        pushes = delivered(api, 301)[before[301]:]
        assert len(pushes) == 1
        push = pushes[0]
        assert "New on “harbor bridge in Port Elms”" in push and "1 report" in push
        assert f"<blockquote>{STORIES[0][2]}</blockquote>" in push  # the lede, verbatim
        assert STORIES[0][1] in push and "Valley Gazette" in push
        assert srv.url("/articles/harbor.html") in push
        assert "comet" not in push.lower()
        [first_storm] = delivered(api, 306)[before[306]:]
        assert f"<blockquote>{STORM[0][3]}</blockquote>" in first_storm
        assert "Updated" not in first_storm
        for chat in (302, 303, 304):  # off-topic for them (and the orchard story is old)
            assert len(delivered(api, chat)) == before[chat]
        assert json.loads((engine.cfg.data_dir / PENDING_FILE).read_text()) == {
            "article_ids": []}

    # Restart: the follows and what was sent survive. The pending list names the harbor
    # article again (a crash after its push, before the list was cleared: nothing is sent
    # twice) and the library article (ingested, then a crash before any push: it is not lost).
    state = json.loads((engine.cfg.data_dir / STATE_FILE).read_text())
    [harbor] = state["chat_data"]["301"]["follows"][0]["sent"]
    engine.ingest([serve_page(srv, 4)])
    [library] = [a.article_id for a in engine.sources() if a.title == STORIES[4][1]]
    (engine.cfg.data_dir / PENDING_FILE).write_text(
        json.dumps({"article_ids": [harbor, library]}))
    async with tg.running(settings, engine) as app:
        follow = app.bot_data["follow"]
        follow.sleep = no_sleep
        feeds = app.bot_data["feeds"]
        # The first push meets a 429, then a 502: retried, delivered once.
        api.fail_next["sendMessage"] = [
            (429, {"description": "Too Many Requests: retry after 3",
                   "parameters": {"retry_after": 3}}),
            (502, {"description": "Bad Gateway"}),
        ]
        feed[:0] = [story(3)]
        srv.feed("/rss.xml", "Valley Gazette", feed)
        await feeds.refresh()
        assert len(delivered(api, 301)) == before[301] + 1  # no duplicate after the restart
        [kept] = delivered(api, 307)[before[307]:]  # nor a push lost
        assert f"<blockquote>{STORIES[4][2]}</blockquote>" in kept
        tram = delivered(api, 303)[before[303]:]
        assert len(tram) == 1 and STORIES[3][2] in tram[0]
        tries = len(api.calls_to("sendMessage", 303)) + len(api.calls_to("sendMessage", 307))
        assert tries == before[303] + before[307] + 4  # two pushes, one of them after 429, 502
        assert SLEPT[:2] == [3.0, 1.0]

        # 304 blocked the bot: dropped from pushes with one log line.
        api.fail_next["sendMessage"] = [
            (403, {"description": "Forbidden: bot was blocked by the user"})]
        feed[:0] = [story(5)]
        srv.feed("/rss.xml", "Valley Gazette", feed)
        with caplog.at_level(logging.INFO, logger="bot.telegram.follow"):
            await feeds.refresh()
        assert len(delivered(api, 304)) == before[304]
        gone = [r for r in caplog.records if "cannot be reached" in r.getMessage()]
        assert len(gone) == 1 and "304" in gone[0].getMessage()
        assert app.chat_data[304].follows == []

        # The storm's toll changes: an update, with both quotes.
        feed[:0] = [storm(srv, 1)]
        srv.feed("/rss.xml", "Valley Gazette", feed)
        await feeds.refresh()
        [update] = delivered(api, 306)[before[306] + 1:]
        assert "↻ <b>Updated</b> the number of people: <b>17 people</b>" in update
        assert "← <b>12 people</b>" in update
        assert f"<blockquote>{STORM[1][3]}</blockquote>" in update
        assert f"<blockquote>{STORM[0][3]}</blockquote>" in update
        assert await say(api, 301, "/following") == "1. harbor bridge in Port Elms"


def test_pace_per_chat_and_overall() -> None:
    pace = Pace(per_chat=2, per_s=3)
    assert pace.wait(1, now=0.0) == 0 and pace.wait(1, now=0.1) == 0
    assert pace.wait(1, now=0.2) == pytest.approx(59.8)  # the chat's minute is full
    assert pace.wait(2, now=0.3) == 0
    assert pace.wait(3, now=0.4) == pytest.approx(0.6)  # three a second overall
    assert pace.wait(3, now=1.05) == 0


def test_remove_follow_by_number_or_topic() -> None:
    follows: list[Any] = [Follow("Storm Bert"), Follow("Port Elms bridge")]
    assert remove_follow(follows, "port elms  BRIDGE").topic == "Port Elms bridge"
    assert remove_follow(follows, "2") is None
    assert remove_follow(follows, "1").topic == "Storm Bert" and follows == []


def test_pushes_respect_the_allowlist_as_it_is_now(
    api: FakeBotAPI, make_engine: Callable[..., Engine]
) -> None:
    engine = make_engine()
    settings = tg.make_settings(api, engine.cfg.data_dir, telegram_allowed_users="@alice,42",
                                telegram_admins="@boss")
    follow = FollowBot(NewsBot(settings, engine), None)  # type: ignore[arg-type]
    assert follow._allowed(Follow("storm", 7, "Alice"))
    assert follow._allowed(Follow("storm", 42, ""))
    assert follow._allowed(Follow("storm", 9, "boss"))
    assert not follow._allowed(Follow("storm", 7, "mallory"))  # removed from the list since
