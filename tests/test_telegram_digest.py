"""``/digest``: the real PTB Application and JobQueue against the Bot API imitation, the real
answer path over the seed articles. Time is injected: the test asks the job's trigger when it
fires after a chosen instant, and runs the job itself instead of waiting for the clock."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import test_telegram as tg  # tests/ is on sys.path: its settings and `running` helpers
from fake_bot_api import FakeBotAPI

from bot.telegram.digest import parse_when
from index.engine import Engine


async def say(api: FakeBotAPI, chat_id: int, text: str) -> str:
    n = len(api.sent(chat_id))
    api.message(chat_id, text)
    return str((await api.wait_sent(chat_id, n + 1, timeout=30))[n]["text"])


async def test_digest_at_a_fixed_time_survives_a_restart(
    api: FakeBotAPI, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    engine = make_engine()
    seeds = tmp_path / "seeds"
    shutil.copytree(tg.SEEDS, seeds)
    engine.ingest([str(seeds)])
    settings = tg.make_settings(api, engine.cfg.data_dir, feed_refresh="0")
    berlin = ZoneInfo("Europe/Berlin")

    async with tg.running(settings, engine) as app:
        assert app.job_queue is not None
        assert "I could not read" in await say(api, 401, "/digest 25:00")
        assert "I could not read" in await say(api, 401, "/digest 08:00 Mars/Olympus")
        assert await say(api, 401, "/digest") == "No daily digest. " + (
            "/digest HH:MM sends this chat a daily digest at that time (UTC, or add a time "
            "zone: /digest 08:00 Europe/Berlin): the latest on the topics it follows "
            "(/follow), or the top stories. /digest off stops it.")
        assert await say(api, 401, "/digest 8:00 Europe/Berlin") == (
            "Daily digest at 08:00 (Europe/Berlin): the top stories. /digest off stops it.")
        [job] = app.job_queue.get_jobs_by_name("digest:401")
        # The trigger, asked about an injected instant: 06:59 UTC in winter is 07:59 in
        # Berlin, so the digest is due a minute later, and then the next day.
        now = dt.datetime(2026, 1, 15, 6, 59, tzinfo=dt.UTC)
        due = job.job.trigger.get_next_fire_time(None, now)
        assert due == dt.datetime(2026, 1, 15, 8, 0, tzinfo=berlin)
        assert job.job.trigger.get_next_fire_time(due, due + dt.timedelta(seconds=1)) == \
            dt.datetime(2026, 1, 16, 8, 0, tzinfo=berlin)

        n = len(api.sent(401))
        await job.run(app)  # what the JobQueue does at 08:00
        [top] = api.sent(401)[n:]
        assert top["text"].startswith("<b>Your daily digest: the top stories</b>")
        assert "<blockquote>" in top["text"]  # ledes quoted

        await say(api, 401, "/follow prisoner exchange")
        n = len(api.sent(401))
        await job.run(app)
        [mine] = api.sent(401)[n:]
        assert mine["text"].startswith("<b>Your daily digest</b>\n\n<b>prisoner exchange</b>")
        assert "<blockquote>" in mine["text"]

    async with tg.running(settings, engine) as app:  # the digest is scheduled again
        assert app.job_queue is not None
        [job] = app.job_queue.get_jobs_by_name("digest:401")
        assert job.job.trigger.get_next_fire_time(None, now) == dt.datetime(
            2026, 1, 15, 8, 0, tzinfo=berlin)
        assert await say(api, 401, "/digest off") == "Daily digest off."
        assert not app.job_queue.get_jobs_by_name("digest:401")
        assert await say(api, 401, "/digest") == "No daily digest. " + (
            "/digest HH:MM sends this chat a daily digest at that time (UTC, or add a time "
            "zone: /digest 08:00 Europe/Berlin): the latest on the topics it follows "
            "(/follow), or the top stories. /digest off stops it.")


def test_parse_when() -> None:
    assert parse_when("8:05") == ("08:05", "UTC")
    assert parse_when("23.59 America/New_York") == ("23:59", "America/New_York")
    assert parse_when("24:00") is None and parse_when("08:00 Nowhere/City") is None
    assert parse_when("eight") is None
