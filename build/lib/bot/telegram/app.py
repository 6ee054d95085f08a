"""Builds and runs the Telegram bot: a python-telegram-bot v22 ``Application`` whose handlers
(``handlers``, ``feeds``) answer through the same ``Engine.answer`` path as the terminal.

Answering runs in a thread pool (off the event loop) with ``concurrent_updates``, so a slow
question never blocks other chats. Per-chat conversation memory lives in typed ``chat_data``,
persisted as JSON data in the data dir (``state``). The bot token is redacted from every log
record, wherever it is handled (``log``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.settings import Settings
from bot.telegram.access import check_token
from bot.telegram.base import App
from bot.telegram.digest import register_digest
from bot.telegram.feeds import register_feeds
from bot.telegram.follow import register_follow
from bot.telegram.handlers import NewsBot
from bot.telegram.log import REDACTOR, protect_secrets
from bot.telegram.migrate import warn_legacy_pickle
from bot.telegram.state import STATE_FILE, ChatState, JsonPersistence, expire_idle_chats
from index.engine import Engine
from index.store import make_private_dir

log = logging.getLogger(__name__)

EXPIRE_EVERY_S = 3600.0
"""How often idle chats are looked for (more often when the TTL is shorter)."""


def build_application(
    settings: Settings,
    engine: Engine,
    *,
    request: BaseRequest | None = None,
    persistence_path: Path | None = None,
) -> App:
    """The configured ``Application`` (not started). Tests hand in ``request`` or point
    ``TELEGRAM_BASE_URL`` at a Bot API imitation.

    Raises:
        ValueError: missing or malformed token, or a malformed user list.
    """
    token = check_token(settings)
    protect_secrets(token)
    if settings.telegram_webhook_secret is not None:
        protect_secrets(settings.telegram_webhook_secret.get_secret_value())
    bot = NewsBot(settings, engine)
    if bot.allowed.empty:
        log.warning(
            "TELEGRAM_ALLOWED_USERS is empty: ANYONE who finds this bot can use it. Set it to "
            "a comma-separated list of user ids or @usernames to restrict access."
        )
    make_private_dir(settings.data_dir)
    warn_legacy_pickle(settings.data_dir)
    persistence = JsonPersistence(persistence_path or settings.data_dir / STATE_FILE,
                                  idle_s=settings.telegram_chat_ttl_s)
    builder = (
        ApplicationBuilder()
        .token(token)
        .context_types(ContextTypes(chat_data=ChatState))
        .persistence(persistence)
        .concurrent_updates(True)
        .post_init(bot.post_init)
        .post_shutdown(bot.post_shutdown)
    )
    if settings.telegram_base_url:
        base = settings.telegram_base_url.rstrip("/")
        file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base
        builder = builder.base_url(base).base_file_url(file_base)
    if request is not None:
        builder = builder.request(request)
    app: App = builder.build()

    msg = filters.UpdateType.MESSAGE
    app.add_handler(TypeHandler(Update, bot.guard), group=-1)
    app.add_handler(CommandHandler(["start", "help"], bot.start, filters=msg))
    app.add_handler(CommandHandler("ask", bot.ask, filters=msg))
    app.add_handler(CommandHandler("latest", bot.latest, filters=msg))
    app.add_handler(CommandHandler("sources", bot.sources, filters=msg))
    app.add_handler(CommandHandler("reset", bot.reset, filters=msg))
    app.add_handler(CommandHandler("add", bot.add, filters=msg))
    text = msg & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(text & filters.ChatType.PRIVATE, bot.private_text))
    app.add_handler(MessageHandler(text & filters.ChatType.GROUPS, bot.group_text))
    app.add_handler(MessageHandler(
        msg & filters.Document.ALL & filters.ChatType.PRIVATE, bot.document
    ))
    app.add_handler(CallbackQueryHandler(bot.full_sources, pattern=r"^src:"))
    app.add_error_handler(bot.on_error)
    register_feeds(app, bot)  # /feeds and the JobQueue feed refresh
    follow = register_follow(app, bot)  # /follow, /unfollow, /following; pushes after refreshes
    register_digest(app, bot, follow)  # /digest HH:MM: a daily digest on the JobQueue
    if persistence.idle_s and app.job_queue is not None:  # idle chats: at start, then hourly
        every = min(persistence.idle_s, EXPIRE_EVERY_S)
        app.job_queue.run_repeating(expire_idle_chats, interval=every, first=every,
                                    name="chat-expiry")
    return app


def run_telegram(settings: Settings, engine: Engine) -> None:
    """Run until Ctrl-C / SIGTERM: long polling, or a webhook when its URL is set."""
    app = build_application(settings, engine)
    try:
        if settings.telegram_webhook_url and importlib.util.find_spec("tornado") is None:
            raise ValueError(
                "webhook mode needs tornado: pip install 'python-telegram-bot[webhooks]==22.8'"
                " (or unset NEWSQA_TELEGRAM_WEBHOOK_URL to use long polling)"
            )
        check_bot_api(app)
        if settings.telegram_webhook_url:
            secret = settings.telegram_webhook_secret
            print(f"newsqa telegram: webhook on {settings.telegram_webhook_listen}:"
                  f"{settings.telegram_webhook_port}; Ctrl-C to stop", file=sys.stderr)
            app.run_webhook(
                listen=settings.telegram_webhook_listen,
                port=settings.telegram_webhook_port,
                url_path=urlsplit(settings.telegram_webhook_url).path.lstrip("/"),
                secret_token=secret.get_secret_value() if secret else None,
                webhook_url=settings.telegram_webhook_url,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            print("newsqa telegram: long polling; Ctrl-C to stop", file=sys.stderr)
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        raise ValueError(
            "Telegram rejected TELEGRAM_BOT_TOKEN (unauthorized): check it with @BotFather"
        ) from None
    except NetworkError as exc:
        raise ValueError(
            f"cannot reach the Telegram Bot API: {REDACTOR.redact(str(exc))}"
        ) from None
    except TelegramError as exc:
        raise ValueError(
            f"the Telegram Bot API gave an answer that is not a Bot API reply "
            f"({REDACTOR.redact(str(exc))}): check TELEGRAM_BASE_URL"
        ) from None


def check_bot_api(app: App) -> None:
    """Ask the Bot API who we are (``getMe``) before PTB starts, on the event loop PTB then
    runs on. Why: PTB logs a failed start with a 35-100-line traceback before raising (and a
    reply without ``result`` raises ``KeyError``); the caller says it in one line instead."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # run_polling/run_webhook use the current loop
    ptb = logging.getLogger("telegram")
    level = ptb.level
    ptb.setLevel(logging.CRITICAL)  # the failure is reported by the caller, once
    try:
        loop.run_until_complete(app.bot.initialize())
    except BaseException as exc:
        with contextlib.suppress(Exception):
            loop.run_until_complete(app.bot.shutdown())
        loop.close()
        asyncio.set_event_loop(None)
        if isinstance(exc, (KeyError, TypeError, ValueError, AttributeError)):
            raise TelegramError(f"getMe: no usable result ({type(exc).__name__})") from None
        raise
    finally:
        ptb.setLevel(level)
