"""What every Telegram handler stands on: the context and application types, the bot's fixed
replies, and ``BotBase`` — the engine, the access lists, the answer pool, and sending
(HTML with a plain-text fallback, "typing…" while working).

``handlers`` (questions, commands, uploads) and ``feeds`` (``/feeds``, scheduled refresh) build
on it; ``app`` wires them into a python-telegram-bot ``Application``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from telegram import (
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    User,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackContext, ExtBot

from bot.settings import Settings
from bot.telegram.access import RateLimiter, UserSet
from bot.telegram.render import strip_html
from bot.telegram.state import ChatState
from index.engine import Engine

log = logging.getLogger(__name__)
T = TypeVar("T")

TYPING_EVERY_S = 4.0

UNAVAILABLE = "The index is unavailable right now, please try again later."
APOLOGY = "Sorry, something went wrong while handling that. Please try again in a moment."
DENIED = "Sorry, this bot is private: you are not on its list of allowed users."
NOT_ADMIN = "Sorry, only the bot's admins can add articles."
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

Context = CallbackContext[ExtBot[None], dict[Any, Any], ChatState, dict[Any, Any]]
App = Application[ExtBot[None], Context, dict[Any, Any], ChatState, dict[Any, Any], Any]


def after_command(message: Message) -> str:
    """The text after a leading ``/command`` (newlines kept, unlike ``context.args``)."""
    text = message.text or ""
    entity = message.entities[0] if message.entities else None
    if entity is not None and entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
        return text[len(message.parse_entity(entity)):].strip()
    return text.partition(" ")[2].strip()


class BotBase:
    """One ``Engine`` and what must not be persisted (engine, access lists, rate limiter,
    answer pool), with the sending helpers every handler uses."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.allowed = UserSet.parse(settings.telegram_allowed_users, what="allowed_users")
        self.admins = UserSet.parse(settings.telegram_admins, what="admins")
        self.limiter = RateLimiter(settings.telegram_rate_limit)
        self.max_upload = int(settings.telegram_max_upload_mb * 1024 * 1024)
        # Offline answering is CPU-bound: more threads than ~2 per core only fight over the GIL
        # and delay the event loop's sends (bench/telegram_load.py). An LLM call mostly waits.
        workers = 16 if settings.llm != "none" else 2 * (os.cpu_count() or 1)
        self.pool = ThreadPoolExecutor(max(2, workers), thread_name_prefix="newsqa-engine")

    # -- plumbing ------------------------------------------------------------------------------

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking engine work in the answer pool, off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))

    def is_allowed(self, user: User | None) -> bool:
        return self.allowed.empty or user in self.allowed or user in self.admins

    async def _reply(
        self, message: Message, parts: Sequence[str], markup: InlineKeyboardMarkup | None = None
    ) -> list[Message]:
        """Send ``parts``; the first replies to ``message``, the last carries ``markup``."""
        sent: list[Message] = []
        for i, part in enumerate(parts):
            kwargs: dict[str, Any] = {
                "link_preview_options": NO_PREVIEW,
                "reply_parameters": (
                    ReplyParameters(message.message_id, allow_sending_without_reply=True)
                    if i == 0 else None
                ),
                "do_quote": False,
                "reply_markup": markup if i == len(parts) - 1 else None,
            }
            try:
                sent.append(await message.reply_text(part, parse_mode=ParseMode.HTML, **kwargs))
            except BadRequest as exc:
                if "entit" not in str(exc).lower() and "pars" not in str(exc).lower():
                    raise
                # Should never happen; if Telegram disagrees with our HTML, still answer.
                log.error("Telegram rejected our HTML (%s); sending plain text", exc)
                sent.append(await message.reply_text(strip_html(part), **kwargs))
        return sent

    @asynccontextmanager
    async def _typing(self, message: Message) -> AsyncIterator[None]:
        """Show "typing…" now and every few seconds until the block ends."""
        async def send() -> None:
            with contextlib.suppress(TelegramError):
                await message.get_bot().send_chat_action(
                    message.chat_id, ChatAction.TYPING,
                    message_thread_id=message.message_thread_id if message.is_topic_message
                    else None,
                )

        async def keep() -> None:
            while True:
                await asyncio.sleep(TYPING_EVERY_S)
                await send()

        # The first action overlaps the work instead of delaying it, but is awaited before the
        # block ends: arriving after the reply, it would show "typing…" for 5 s after the answer.
        first = asyncio.create_task(send())
        again = asyncio.create_task(keep())
        try:
            yield
        finally:
            again.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await again
            await first
