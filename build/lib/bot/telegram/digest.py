"""``/digest HH:MM [TIME ZONE]``, ``/digest off``: a daily digest on PTB's JobQueue — the latest
on each topic the chat follows, or the top stories when it follows none, in one message
(split at 4096 like every answer).

Telegram tells a bot nothing about a chat's time zone, so the time is UTC unless the chat
names an IANA zone (``/digest 08:00 Europe/Berlin``); the reply always says which. Both are
kept in the chat's state, and every chat's digest is scheduled again at start-up. The
digest goes through ``Engine.answer`` like any question ("What's the latest on TOPIC?", or
"What are today's top stories?"), so it quotes exactly what a question would.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.telegram.base import App, BotBase, Context, after_command
from bot.telegram.follow import FollowBot
from bot.telegram.render import Block, answer_blocks, esc, pack, plain

log = logging.getLogger(__name__)

USAGE = ("/digest HH:MM sends this chat a daily digest at that time (UTC, or add a time zone: "
         "/digest 08:00 Europe/Berlin): the latest on the topics it follows (/follow), or the "
         "top stories. /digest off stops it.")
TOP_STORIES = "What are today's top stories?"


def parse_when(text: str) -> tuple[str, str] | None:
    """``("HH:MM", zone)`` from "8:00", "08:00 Europe/Berlin"; None when not a time and zone."""
    m = re.fullmatch(r"([01]?\d|2[0-3])[:.h]([0-5]\d)(?:\s+(\S{1,64}))?", text.strip())
    if not m:
        return None
    zone = m.group(3) or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return f"{int(m.group(1)):02d}:{m.group(2)}", zone


def _job_name(chat_id: int) -> str:
    return f"digest:{chat_id}"


class DigestBot:
    """``/digest`` and the daily jobs over one ``BotBase`` and its ``Application``."""

    def __init__(self, bot: BotBase, app: App, follow: FollowBot) -> None:
        self.bot, self.app, self.follow = bot, app, follow

    def schedule(self, chat_id: int, at: str, zone: str) -> Any:
        """(Re)schedule ``chat_id``'s daily digest; returns the job (None without a queue)."""
        queue = self.app.job_queue
        if queue is None:
            log.warning("digests need the job queue: install python-telegram-bot[job-queue]")
            return None
        for job in queue.get_jobs_by_name(_job_name(chat_id)):
            job.schedule_removal()
        hour, minute = (int(x) for x in at.split(":"))
        return queue.run_daily(self.job, dt.time(hour, minute, tzinfo=ZoneInfo(zone)),
                               chat_id=chat_id, name=_job_name(chat_id))

    def schedule_all(self) -> None:
        """At start-up: every chat's digest, as its state says."""
        for chat_id, state in self.app.chat_data.items():
            if state.digest_at:
                self.schedule(chat_id, state.digest_at, state.digest_tz)

    async def command(self, update: Update, context: Context) -> None:
        """/digest HH:MM [ZONE], /digest off, /digest: the chat's daily digest."""
        message, state, chat = update.effective_message, context.chat_data, update.effective_chat
        if message is None or state is None or chat is None:
            return
        arg = after_command(message)
        if arg.lower() in ("off", "stop", "none"):
            for job in (self.app.job_queue.get_jobs_by_name(_job_name(chat.id))
                        if self.app.job_queue else ()):
                job.schedule_removal()
            state.digest_at = ""
            text = "Daily digest off."
        elif not arg:
            text = (f"Daily digest at {state.digest_at} ({state.digest_tz}). /digest off stops "
                    "it." if state.digest_at else "No daily digest. " + USAGE)
        elif (when := parse_when(arg)) is None:
            text = "I could not read that time and time zone. " + USAGE
        else:
            state.digest_at, state.digest_tz = when
            self.schedule(chat.id, *when)
            what = "the topics this chat follows" if state.follows else "the top stories"
            text = (f"Daily digest at {when[0]} ({when[1]}): {what}. /digest off stops it.")
        await self.bot._reply(message, [plain(text)])

    async def job(self, context: Context) -> None:
        """The JobQueue callback: build the chat's digest and send it (retried like pushes)."""
        chat_id = context.job.chat_id if context.job else None
        state = self.app.chat_data.get(chat_id) if chat_id is not None else None
        if chat_id is None or state is None or not state.digest_at:
            return
        parts = await self.bot._run(self.build, [f.topic for f in state.follows])
        sent = await self.follow._send(chat_id, parts)
        if sent is None:
            log.info("chat %s cannot be reached (blocked or left): its digest is dropped",
                     chat_id)
            state.digest_at = ""
            for job in self.app.job_queue.get_jobs_by_name(_job_name(chat_id)) \
                    if self.app.job_queue else ():
                job.schedule_removal()
            await self.follow._persist(chat_id)

    def build(self, topics: list[str]) -> list[str]:
        """The digest's messages: per topic its briefing, or the top stories."""
        engine = self.bot.engine
        if not topics:
            blocks = [Block(head="<b>Your daily digest: the top stories</b>")]
            blocks += answer_blocks(engine.answer(TOP_STORIES))
            return pack(blocks)
        blocks = [Block(head="<b>Your daily digest</b>")]
        for topic in topics:
            blocks.append(Block(head=f"<b>{esc(topic)}</b>"))
            blocks += answer_blocks(engine.answer(f"What's the latest on {topic}?"))
        return pack(blocks)


def register_digest(app: App, bot: BotBase, follow: FollowBot) -> DigestBot:
    """Add ``/digest``; every chat's digest is scheduled after the app's own ``post_init``."""
    digest = DigestBot(bot, app, follow)
    app.bot_data["digest"] = digest
    app.add_handler(CommandHandler("digest", digest.command, filters=filters.UpdateType.MESSAGE))
    previous = app.post_init

    async def post_init(application: Any) -> None:
        if previous is not None:
            await previous(application)
        digest.schedule_all()

    app.post_init = post_init
    return digest
