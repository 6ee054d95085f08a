"""The bot's handlers: questions (private chats, group mentions and replies, ``/ask``), the
commands (``/start``, ``/help``, ``/sources``, ``/reset``, the "Show full sources" button), admin
uploads (``/add <url>``, files), the allowlist guard and the error handler.

Every question goes through ``Engine.answer`` in the answer pool (off the event loop), with the
chat's recent turns as history; what the chat keeps lives in its ``ChatState``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import re
import tempfile
from pathlib import Path, PurePath
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ApplicationHandlerStop

from bot.telegram.base import (
    APOLOGY,
    DENIED,
    NO_PREVIEW,
    NOT_ADMIN,
    UNAVAILABLE,
    BotBase,
    Context,
    after_command,
)
from bot.telegram.render import clean, plain, render_answer, render_ingest, render_sources
from bot.telegram.state import ChatState
from index.datadir import DataDirError, ReadOnlyDataDir, translate
from index.engine import remember
from index.ingest.pipeline import IngestBusy
from index.ingest.read import SUPPORTED_SUFFIXES
from index.store import StoreUnavailable, make_private_dir

log = logging.getLogger(__name__)

UPLOADS_DIR = "uploads"
MAX_QUESTION = 1000

COMMANDS = [
    BotCommand("ask", "Ask a question about the articles"),
    BotCommand("latest", "The newest articles, on a topic if you give one"),
    BotCommand("follow", "Get new reports on a topic after each feed refresh"),
    BotCommand("following", "The topics this chat follows"),
    BotCommand("unfollow", "Stop following a topic"),
    BotCommand("digest", "A daily digest at a time you choose (/digest 08:00)"),
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
    "(/reset forgets them). In a group each member has their own conversation, and a reply "
    "to one of my answers continues that answer's.\n"
    "• /latest &lt;topic&gt; gives the newest articles on a topic, one lead sentence each "
    "(/latest alone: the top stories). \"What's the news today?\" works too.\n"
    "• /follow &lt;topic&gt; sends this chat new reports on the topic after each feed "
    "refresh (headline, outlet, date, link and the lede quoted); /following lists them, "
    "/unfollow &lt;number&gt; stops one.\n"
    "• /digest 08:00 sends a daily digest at 08:00 UTC (or add a time zone: "
    "/digest 08:00 Europe/Berlin); /digest off stops it.\n"
    "• /sources lists the articles I know.\n\n"
    "Admins can add articles with /add &lt;url&gt; or by sending a .txt, .md or .html file, "
    "and follow RSS/Atom feeds with /feeds."
)


class NewsBot(BotBase):
    """The handlers ``app.build_application`` registers, over one ``Engine``."""

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
        thread = _thread_of(message, state)
        history = state.thread(thread)
        async with self._typing(message):
            answer = await self._run(self.engine.answer, question, list(history))
        state.keep(thread, remember(history, answer))
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
        state.link(thread, [m.message_id for m in sent])
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
            await self._answer(update, context, after_command(message))

    async def latest(self, update: Update, context: Context) -> None:
        """/latest [topic]: a dated briefing, the newest articles (on the topic) first."""
        message = update.effective_message
        if message is not None:
            topic = after_command(message).strip()
            await self._answer(update, context,
                               f"What's the latest on {topic}?" if topic else "What's new?")

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
            context.chat_data.threads.clear()
            context.chat_data.replied.clear()
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
        # The answer was this one message: its ids are recorded, or (with concurrent updates
        # the button can be pressed before the sending handler records them) it rendered as one.
        one = shown.message_ids == [message.message_id] if message is not None else False
        if not shown.message_ids:
            one = len(render_answer(shown.answer)) == 1
        if message is not None and len(parts) == 1 and one:
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
        url = after_command(message)
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
        name = stored_name(doc.file_name, doc.file_unique_id)
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


def stored_name(original: str | None, unique_id: str) -> str:
    """The uploads folder's file for an upload: its sanitised name, plus a short hash of the
    original when sanitising changed it. Two names that sanitise alike ("report 1.txt",
    "report_1.txt") are two files (two articles: the article id comes from the path), while
    the same name sent again is the same file, updated in place. A nameless document is
    named after Telegram's unique id of the file."""
    if not original:
        return _safe_name(f"upload-{unique_id}.txt")
    safe = _safe_name(original)
    if safe == original:
        return safe
    stem, _, suffix = safe.rpartition(".")
    digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{stem}-{digest}.{suffix}"


# ----------------------------------------------------------------------------------------------
# Building and running


def _thread_of(message: Message, state: ChatState) -> str | None:
    """Which conversation a message continues. A private chat has one (None). In a group, a
    reply to one of the bot's answers continues that answer's thread, whoever replies; any
    other question continues its sender's own thread, never another member's topic."""
    if message.chat.type == ChatType.PRIVATE:
        return None
    replied = message.reply_to_message
    if replied is not None and str(replied.message_id) in state.replied:
        return state.replied[str(replied.message_id)]
    return f"u{message.from_user.id}" if message.from_user else "u?"

