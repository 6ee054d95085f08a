"""Following a story in Telegram: ``/follow TOPIC``, ``/unfollow N|TOPIC``, ``/following``, and
the pushes after each feed refresh (``FeedsBot.on_new``).

After a refresh adds articles, each chat's followed topics are matched against them by
``index.follow`` (the topic's words in headline and lede, the reader and the lede's cosine,
calibrated) and a chat gets **one** message per topic: each new report's headline, outlet,
date and link with its lede quoted verbatim, and any figure changed since a lede it was sent.

Why the care around sending: a push is not a reply — nobody is waiting, and a chat may have
blocked the bot since. The articles a refresh added are written to ``follow_pending.json``
before any push and removed only when every chat had its turn, so a restart mid-push loses
nothing; each follow records the articles it was sent (persisted at once), so nothing is sent
twice. A chat that blocked the bot or left (403, "chat not found") is dropped from pushes with
one log line; a 429 waits what Telegram asks, a 5xx or network error backs off, both bounded
(``MAX_TRIES``). Pushes keep under Telegram's limits: ``PER_CHAT_PER_MIN`` a chat and
``GLOBAL_PER_S`` overall.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import CommandHandler, filters

from bot.atomic import write_json_atomically
from bot.follows import Follow, norm_topic, remove_follow
from bot.telegram.base import NO_PREVIEW, App, BotBase, Context, after_command
from bot.telegram.render import plain, render_answer
from bot.telegram.state import STATE_FILE, ChatState, load_state, write_chats
from index.follow import MAX_TOPIC, Report, new_reports, push_answer

log = logging.getLogger(__name__)

PENDING_FILE = "follow_pending.json"
PENDING_KEPT = 2000  # article ids waiting for their pushes (a long outage drops the oldest)
MAX_TRIES = 4  # sends of one push: the first and three retries
BACKOFF_S = 1.0  # first wait after a 5xx or network error; doubles each time
MAX_WAIT_S = 60.0  # a longer Retry-After gives up for this refresh (the push stays pending)
PER_CHAT_PER_MIN = 20  # Telegram: 20 messages a minute in a group
GLOBAL_PER_S = 25  # Telegram: about 30 a second overall; a margin for the answers
USAGE = ("/follow TOPIC: I send you new reports on it after each feed refresh. "
         "/following lists your topics; /unfollow N (or the topic) stops one.")


class Pace:
    """Sliding windows over sends, per chat and overall: ``wait`` returns how long to wait
    before the next send to ``chat_id`` (0 = now) and records the send when it is 0."""

    def __init__(self, per_chat: int = PER_CHAT_PER_MIN, per_s: int = GLOBAL_PER_S) -> None:
        self.per_chat, self.per_s = per_chat, per_s
        self._chat: dict[int, deque[float]] = {}
        self._all: deque[float] = deque()

    def wait(self, chat_id: int, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        mine = self._chat.setdefault(chat_id, deque())
        for hits, window in ((mine, 60.0), (self._all, 1.0)):
            while hits and hits[0] <= now - window:
                hits.popleft()
        waits = [mine[0] + 60.0 - now if len(mine) >= self.per_chat else 0.0,
                 self._all[0] + 1.0 - now if len(self._all) >= self.per_s else 0.0]
        if max(waits) > 0:
            return max(waits)
        mine.append(now)
        self._all.append(now)
        return 0.0


def render_push(f: Follow, reports: Sequence[Report]) -> list[str]:
    """One message: the topic, then each report's outlet, date, headline (linked) and lede,
    and a figure changed since a lede the chat was sent, with both quotes."""
    return render_answer(push_answer(f.topic, reports, f.seen), max_messages=1)


class FollowBot:
    """The follow commands and pushes over one ``BotBase`` and its ``Application``."""

    def __init__(self, bot: BotBase, app: App) -> None:
        self.bot, self.app = bot, app
        self.pending_path: Path = bot.settings.data_dir / PENDING_FILE
        self.pace = Pace()
        self.sleep = asyncio.sleep  # tests may replace it

    # -- commands ------------------------------------------------------------------------------

    async def follow(self, update: Update, context: Context) -> None:
        """/follow TOPIC: push new reports on TOPIC to this chat."""
        message, state = update.effective_message, context.chat_data
        if message is None or state is None:
            return
        topic = norm_topic(after_command(message))
        user = update.effective_user
        if not topic:
            text = USAGE
        elif len(topic) > MAX_TOPIC:
            text = f"That topic is too long (over {MAX_TOPIC} characters): a few words will do."
        elif any(f.topic.casefold() == topic.casefold() for f in state.follows):
            text = f"This chat already follows “{topic}”."
        elif len(state.follows) >= self.bot.settings.follow_max:
            text = (f"This chat follows {len(state.follows)} topics, the most it may: "
                    "/unfollow one first.")
        else:
            state.follows.append(Follow(topic, user.id if user else 0,
                                        (user.username or "") if user else ""))
            text = (f"Following “{topic}”: I will send new reports on it after each feed "
                    "refresh. /following lists your topics.")
        await self.bot._reply(message, [plain(text)])

    async def unfollow(self, update: Update, context: Context) -> None:
        """/unfollow N|TOPIC: stop following one topic."""
        message, state = update.effective_message, context.chat_data
        if message is None or state is None:
            return
        gone = remove_follow(state.follows, after_command(message))
        text = f"Stopped following “{gone.topic}”." if gone else (
            "No such topic here: /following lists them by number.")
        await self.bot._reply(message, [plain(text)])

    async def following(self, update: Update, context: Context) -> None:
        """/following: this chat's topics, numbered for /unfollow."""
        message, state = update.effective_message, context.chat_data
        if message is None or state is None:
            return
        lines = [f"{n}. {f.topic}" for n, f in enumerate(state.follows, start=1)]
        text = "\n".join(lines) if lines else "This chat follows no topic. " + USAGE
        await self.bot._reply(message, [plain(text)])

    # -- pushes --------------------------------------------------------------------------------

    def _pending(self) -> list[str]:
        try:
            data = json.loads(self.pending_path.read_text(encoding="utf-8"))
            ids = data.get("article_ids", []) if isinstance(data, dict) else []
            return [str(x) for x in ids if isinstance(x, str)][-PENDING_KEPT:]
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            log.warning("ignoring the unreadable %s (%s)", self.pending_path, exc)
            return []

    def _keep_pending(self, ids: list[str]) -> None:
        """Write the pending list; a full or read-only disk is logged, and the pushes go on
        (only a restart before they are done could lose them)."""
        try:
            write_json_atomically(self.pending_path, {"article_ids": ids[-PENDING_KEPT:]})
        except OSError as exc:
            log.error("could not write %s (%s): pushes go on, but a restart now would lose "
                      "them", self.pending_path, exc.strerror or exc)

    async def after_refresh(self, added: list[str]) -> None:
        """Push what ``added`` (and any earlier refresh's unfinished pushes) hold for every
        chat's topics; the pending list empties only when every chat had its turn."""
        pending = list(dict.fromkeys([*self._pending(), *added]))
        if not pending:
            return
        await asyncio.to_thread(self._keep_pending, pending)
        done = True
        matched: dict[tuple[str, tuple[str, ...]], list[Report]] = {}  # chats share topics
        for chat_id, state in list(self.app.chat_data.items()):
            if state.follows:
                done = await self._push_chat(chat_id, state, pending, matched) and done
        if done:
            await asyncio.to_thread(self._keep_pending, [])

    def _allowed(self, f: Follow) -> bool:
        """The allowlist as it is now, for the user who asked for the follow."""
        user = User(f.user_id, "", False, username=f.username or None)
        return self.bot.is_allowed(user)

    async def _push_chat(self, chat_id: int, state: ChatState, pending: list[str],
                         matched: dict[tuple[str, tuple[str, ...]], list[Report]]) -> bool:
        """One message per topic with new matching reports; False when a push failed and
        must be tried again after the next refresh."""
        for f in list(state.follows):
            if not self._allowed(f):
                continue
            fresh = [a for a in pending if a not in f.sent]
            if not fresh:
                continue
            key = (f.topic.casefold(), tuple(fresh))
            if key not in matched:
                engine = self.bot.engine
                matched[key] = await self.bot._run(new_reports, engine.store, engine.embedder,
                                                   engine.reader, f.topic, fresh)
            reports = matched[key]
            if not reports:
                continue
            sent = await self._send(chat_id, render_push(f, reports))
            if sent is None:  # blocked, kicked, gone: no more pushes to this chat
                log.info("chat %s cannot be reached (blocked or left): its %d follows "
                         "are dropped", chat_id, len(state.follows))
                state.follows.clear()
                await self._persist(chat_id)
                return True
            if not sent:
                return False
            f.pushed([r.lede for r in reports])
            await self._persist(chat_id)
            log.info("chat %s: pushed %d reports on a followed topic", chat_id, len(reports))
        return True

    async def _persist(self, chat_id: int) -> None:
        """Write the chat's state now: a push recorded only in memory could be sent again
        after a crash."""
        self.app.mark_data_for_update_persistence(chat_ids=chat_id)
        await self.app.update_persistence()

    async def _send(self, chat_id: int, parts: list[str]) -> bool | None:
        """True when sent, None when the chat is gone, False after ``MAX_TRIES``."""
        delay = BACKOFF_S
        for attempt in range(1, MAX_TRIES + 1):
            while (wait := self.pace.wait(chat_id)) > 0:
                await self.sleep(wait)
            try:
                for part in parts:
                    await self.app.bot.send_message(chat_id, part, parse_mode=ParseMode.HTML,
                                                    link_preview_options=NO_PREVIEW)
                return True
            except Forbidden:
                return None
            except ChatMigrated as exc:  # a group became a supergroup: the new id has no state
                log.info("chat %s moved to %s", chat_id, exc.new_chat_id)
                return None
            except BadRequest as exc:
                if "chat not found" in str(exc).lower():
                    return None
                log.warning("push to chat %s rejected: %s", chat_id, exc)
                return True  # the same message would be rejected again: do not repeat it
            except RetryAfter as exc:
                after = exc.retry_after
                wait_s = after.total_seconds() if isinstance(after, timedelta) else float(after)
                if wait_s > MAX_WAIT_S:
                    log.warning("push to chat %s: flood control for %g s; next refresh",
                                chat_id, wait_s)
                    return False
                log.info("push to chat %s: 429, retry %d in %g s", chat_id, attempt, wait_s)
                await self.sleep(wait_s)
            except NetworkError as exc:  # 5xx, timeouts, connection errors
                log.info("push to chat %s failed (%s), retry %d in %g s", chat_id, exc,
                         attempt, delay)
                await self.sleep(delay)
                delay *= 2
        log.warning("push to chat %s failed %d times; it is tried again after the next "
                    "refresh", chat_id, MAX_TRIES)
        return False


def edit_chat(data_dir: Path, limit: int, chat: int, change: Any, *, save: bool = True) -> str:
    """``newsqa follow … --chat ID``: run ``change(follows, limit)`` on a chat's follows in the
    bot's state file, and save it unless told not to. The running bot rewrites that file from
    memory: use it while the bot is stopped (or use /follow in the chat)."""
    path = data_dir / STATE_FILE
    chats = load_state(path)
    state = chats.setdefault(chat, ChatState())
    text = str(change(state.follows, limit))
    if not save:
        return text
    if not (state.history or state.shown or state.threads or state.waits_for_pushes()):
        del chats[chat]
    write_chats(path, list(chats.items()), {})
    return text


def register_follow(app: App, bot: BotBase) -> FollowBot:
    """Add the follow commands; pushes run after each refresh of ``app.bot_data["feeds"]``."""
    follow = FollowBot(bot, app)
    app.bot_data["follow"] = follow
    msg = filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("follow", follow.follow, filters=msg))
    app.add_handler(CommandHandler("unfollow", follow.unfollow, filters=msg))
    app.add_handler(CommandHandler("following", follow.following, filters=msg))
    app.bot_data["feeds"].on_new.append(follow.after_refresh)
    return follow
