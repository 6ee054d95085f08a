"""The Telegram front end: a python-telegram-bot v22 ``Application`` over the same
``Engine.answer`` path as the terminal.

Answering runs in a thread pool (off the event loop) with ``concurrent_updates``, so a slow
question never blocks other chats. Per-chat conversation memory lives in typed ``chat_data``,
persisted as JSON data in the data dir (``telegram_state``). The bot token is redacted from
every log record, wherever it is handled (``telegram_log``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import logging
import math
import os
import re
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path, PurePath
from typing import Any, TypeVar
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.settings import Settings
from bot.telegram_access import RateLimiter, UserSet, check_token
from bot.telegram_log import REDACTOR, protect_secrets
from bot.telegram_render import (
    clean,
    plain,
    render_answer,
    render_ingest,
    render_sources,
    strip_html,
)
from bot.telegram_state import (
    STATE_FILE,
    ChatState,
    JsonPersistence,
    warn_legacy_pickle,
)
from index.datadir import DataDirError, ReadOnlyDataDir, translate
from index.engine import Engine, turn_of
from index.ingest.pipeline import IngestBusy
from index.ingest.read import SUPPORTED_SUFFIXES
from index.store import StoreUnavailable, make_private_dir

log = logging.getLogger(__name__)
T = TypeVar("T")

UPLOADS_DIR = "uploads"
HISTORY_TURNS = 8
MAX_QUESTION = 1000
TYPING_EVERY_S = 4.0

UNAVAILABLE = "The index is unavailable right now, please try again later."
APOLOGY = "Sorry, something went wrong while handling that. Please try again in a moment."
DENIED = "Sorry, this bot is private: you are not on its list of allowed users."
NOT_ADMIN = "Sorry, only the bot's admins can add articles."
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

COMMANDS = [
    BotCommand("ask", "Ask a question about the articles"),
    BotCommand("sources", "List the indexed articles"),
    BotCommand("reset", "Forget this chat's conversation"),
    BotCommand("help", "How to use this bot"),
    BotCommand("start", "Welcome message"),
]

HELP = (
    "I answer questions about a collection of news articles and quote the sources "
    "word for word.\n\n"
    "• In a private chat, just send your question.\n"
    "• In a group, mention me, reply to one of my messages, or use /ask &lt;question&gt;.\n"
    "• Follow-up questions work: I remember the last few questions of this chat "
    "(/reset forgets them).\n"
    "• /sources lists the articles I know.\n\n"
    "Admins can add articles with /add &lt;url&gt; or by sending a .txt, .md or .html file."
)


Context = CallbackContext[ExtBot[None], dict[Any, Any], ChatState, dict[Any, Any]]
App = Application[ExtBot[None], Context, dict[Any, Any], ChatState, dict[Any, Any], Any]


# ----------------------------------------------------------------------------------------------
# The bot


def _after_command(message: Message) -> str:
    """The text after a leading ``/command`` (newlines kept, unlike ``context.args``)."""
    text = message.text or ""
    entity = message.entities[0] if message.entities else None
    if entity is not None and entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
        return text[len(message.parse_entity(entity)):].strip()
    return text.partition(" ")[2].strip()


class NewsBot:
    """Handlers over one ``Engine``; holds what must not be persisted (engine, limiter)."""

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

    # -- questions -----------------------------------------------------------------------------

    async def _answer(self, update: Update, context: Context, question: str) -> None:
        message = update.effective_message
        user = update.effective_user
        if message is None:
            return
        question = clean(question).strip()
        if not question:
            await self._reply(message, [plain(
                "Ask me a question about the articles, e.g. "
                "“How many Ukrainians returned home on Friday?”")])
            return
        if len(question) > MAX_QUESTION:
            await self._reply(message, [plain(
                f"That question is too long (over {MAX_QUESTION} characters); "
                "please shorten it.")])
            return
        wait = self.limiter.hit(user.id if user else message.chat_id)
        if wait:
            await self._reply(message, [plain(
                f"You're asking faster than I can keep up (limit: "
                f"{self.limiter.per_minute} questions a minute). "
                f"Please try again in {math.ceil(wait)} s.")])
            return
        state = context.chat_data
        assert state is not None
        async with self._typing(message):
            answer = await self._run(self.engine.answer, question, list(state.history))
        state.history.append(turn_of(answer))
        del state.history[:-HISTORY_TURNS]
        # People's questions are private: INFO says how long, only DEBUG says what.
        log.info(
            "chat %s: question of %d characters -> refused=%s cited=%s %.0f ms",
            message.chat_id, len(question), answer.refused,
            [c.chunk_id for c in answer.citations], answer.timings_ms.get("total", 0.0),
        )
        log.debug("chat %s asked: %r", message.chat_id, question)
        markup = None
        key = None
        if answer.citations:
            key = state.remember(answer)
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton("Show full sources", callback_data=f"src:{key}")]]
            )
        sent = await self._reply(message, render_answer(answer), markup)
        if key is not None and key in state.shown:
            state.shown[key].message_ids = [m.message_id for m in sent]

    async def private_text(self, update: Update, context: Context) -> None:
        """A private chat message: every text is a question."""
        message = update.effective_message
        if message is not None and message.text:
            await self._answer(update, context, message.text)

    async def group_text(self, update: Update, context: Context) -> None:
        """A group message: answered only when it mentions the bot or replies to it."""
        message = update.effective_message
        if message is None or not message.text:
            return
        me = context.bot
        mention = re.compile(rf"(?<![\w@])@{re.escape(me.username or '')}(?!\w)", re.IGNORECASE)
        replied = message.reply_to_message
        if me.username and mention.search(message.text):
            await self._answer(update, context, mention.sub(" ", message.text))
        elif replied is not None and replied.from_user and replied.from_user.id == me.id:
            await self._answer(update, context, message.text)

    async def ask(self, update: Update, context: Context) -> None:
        """/ask <question>: works in private chats and groups."""
        message = update.effective_message
        if message is not None:
            await self._answer(update, context, _after_command(message))

    # -- commands ------------------------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        """/start and /help: what the bot does and how to use it."""
        if update.effective_message is not None:
            await self._reply(update.effective_message, [HELP])

    async def sources(self, update: Update, context: Context) -> None:
        """/sources: the indexed articles."""
        if update.effective_message is None:
            return
        articles = await self._run(self.engine.sources)
        await self._reply(update.effective_message, render_sources(articles))

    async def reset(self, update: Update, context: Context) -> None:
        """/reset: forget this chat's conversation."""
        if context.chat_data is not None:
            context.chat_data.history.clear()
            context.chat_data.shown.clear()
        if update.effective_message is not None:
            await self._reply(update.effective_message,
                              ["Done: I forgot this chat's conversation. Ask away."])

    async def full_sources(self, update: Update, context: Context) -> None:
        """The "Show full sources" button: whole quotes and every source detail."""
        query = update.callback_query
        if query is None:
            return
        key = (query.data or "").removeprefix("src:")
        state = context.chat_data
        shown = state.shown.get(key) if state is not None else None
        if shown is None:
            await query.answer("Those sources are no longer available: please ask again.",
                               show_alert=True)
            return
        await query.answer()
        parts = render_answer(shown.answer, full=True)
        message = query.message if isinstance(query.message, Message) else None
        if (
            message is not None and len(parts) == 1
            and shown.message_ids == [message.message_id]
        ):
            try:
                await query.edit_message_text(
                    parts[0], parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                    reply_markup=None,
                )
                return
            except BadRequest as exc:  # e.g. too old to edit: send it instead
                log.info("could not edit message for full sources: %s", exc)
        if message is not None:
            await self._reply(message, parts)
        elif update.effective_chat is not None:
            for part in parts:
                await context.bot.send_message(update.effective_chat.id, part,
                                               parse_mode=ParseMode.HTML,
                                               link_preview_options=NO_PREVIEW)

    # -- admin ingest --------------------------------------------------------------------------

    async def add(self, update: Update, context: Context) -> None:
        """/add <url>: admins add an article from the web."""
        message = update.effective_message
        if message is None:
            return
        if update.effective_user not in self.admins:
            await self._reply(message, [plain(NOT_ADMIN)])
            return
        url = _after_command(message)
        if not re.fullmatch(r"https?://\S+", url):
            await self._reply(message, [plain("Usage: /add https://example.com/article")])
            return
        async with self._typing(message):
            report = await self._run(self.engine.ingest, [url], max_bytes=self.max_upload)
        log.info("admin %s added %s: %s", message.from_user and message.from_user.id, url,
                 report.summary())
        await self._reply(message, render_ingest(report))

    async def document(self, update: Update, context: Context) -> None:
        """A file sent in a private chat: admins' .txt/.md/.html files are ingested."""
        message = update.effective_message
        if message is None or message.document is None:
            return
        if update.effective_user not in self.admins:
            await self._reply(message, [plain(NOT_ADMIN)])
            return
        doc = message.document
        name = _safe_name(doc.file_name or "upload.txt")
        if PurePath(name).suffix.lower() not in SUPPORTED_SUFFIXES:
            await self._reply(message, [plain(
                f"I can only add {', '.join(SUPPORTED_SUFFIXES)} files.")])
            return
        limit_mb = self.settings.telegram_max_upload_mb
        if doc.file_size is not None and doc.file_size > self.max_upload:
            await self._reply(message, [plain(f"That file is too large (limit {limit_mb:g} MB).")])
            return
        async with self._typing(message):
            tg_file = await doc.get_file()
            if tg_file.file_size is not None and tg_file.file_size > self.max_upload:
                await self._reply(message, [plain(
                    f"That file is too large (limit {limit_mb:g} MB).")])
                return
            # Uploads are kept (not deleted after ingesting): the article id comes from the
            # path, so a re-upload updates in place, and `ingest --prune` keeps them.
            folder = make_private_dir(self.settings.data_dir / UPLOADS_DIR)
            fd, tmp_name = tempfile.mkstemp(prefix=".part-", dir=folder)
            os.close(fd)
            tmp = Path(tmp_name)
            try:
                await tg_file.download_to_drive(tmp)
                if tmp.stat().st_size > self.max_upload:
                    await self._reply(message, [plain(
                        f"That file is too large (limit {limit_mb:g} MB).")])
                    return
                target = folder / name
                tmp.replace(target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            report = await self._run(self.engine.ingest, [str(target)], max_bytes=self.max_upload)
        log.info("admin %s uploaded %s: %s", message.from_user and message.from_user.id, name,
                 report.summary())
        await self._reply(message, render_ingest(report))

    # -- guard and errors ----------------------------------------------------------------------

    async def guard(self, update: Update, context: Context) -> None:
        """Runs first: updates from users outside the allowlist stop here."""
        user = update.effective_user
        if self.is_allowed(user):
            return
        log.warning("denied update from user id %s", user.id if user else None)
        chat = update.effective_chat
        if update.callback_query is not None:
            await update.callback_query.answer(DENIED, show_alert=True)
        elif (
            chat is not None and chat.type == ChatType.PRIVATE
            and update.message is not None
        ):
            await self._reply(update.message, [plain(DENIED)])
        raise ApplicationHandlerStop

    async def on_error(self, update: object, context: Context) -> None:
        """Log the exception; tell the chat briefly, never with a trace or a secret."""
        error = context.error
        if isinstance(error, OSError):  # e.g. the uploads folder on a read-only or full disk
            error = translate(error, self.settings.data_dir, "adding articles") or error
        if isinstance(error, StoreUnavailable):
            log.warning("index unavailable: %s", error)
            self.engine.reset_store()  # reconnect on the next question
            text = UNAVAILABLE
        elif isinstance(error, IngestBusy):
            text = "Another ingest is running right now; please try again in a minute."
        elif isinstance(error, ReadOnlyDataDir):
            log.warning("%s", error)
            text = "The index is read-only on this server: articles cannot be added right now."
        elif isinstance(error, DataDirError):  # the disk is full
            log.warning("%s", error)
            text = "The server is out of disk space; please try again later."
        else:
            log.error("error while handling an update", exc_info=error)
            text = APOLOGY
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(update.effective_chat.id, text)

    async def post_init(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Register the command menu and warm the engine up before the first question."""
        await app.bot.set_my_commands(COMMANDS)
        try:
            if await self._run(self.engine.is_empty):
                log.warning("the index is empty: add articles with `newsqa ingest` or /add")
            await self._run(lambda: self.engine.embedder)
        except StoreUnavailable as exc:
            log.warning("index unavailable at start: %s", exc)
            self.engine.reset_store()


    async def post_shutdown(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Let engine work in flight finish; start nothing new."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def _safe_name(name: str) -> str:
    base = re.sub(r"[^\w.-]+", "_", PurePath(name.replace("\\", "/")).name).lstrip("._")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, "txt"
    return f"{(stem or 'upload')[:80]}.{suffix[:10]}"


# ----------------------------------------------------------------------------------------------
# Building and running


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
    persistence = JsonPersistence(persistence_path or settings.data_dir / STATE_FILE)
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
    from bot.telegram_feeds import register_feeds  # /feeds and the JobQueue feed refresh

    register_feeds(app, bot)
    return app


def run_telegram(settings: Settings, engine: Engine) -> None:
    """Run until Ctrl-C / SIGTERM: long polling, or a webhook when its URL is set."""
    app = build_application(settings, engine)
    try:
        if settings.telegram_webhook_url:
            if importlib.util.find_spec("tornado") is None:
                raise ValueError(
                    "webhook mode needs tornado: pip install 'python-telegram-bot[webhooks]==22.8'"
                    " (or unset NEWSQA_TELEGRAM_WEBHOOK_URL to use long polling)"
                )
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
