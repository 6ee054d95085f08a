"""The Telegram bot's persistent state as plain JSON data, never pickle.

Why not ``PicklePersistence``: unpickling a file runs whatever code the file names, so
anyone who can write the state file owns the bot. Here the state is a JSON document
(``{"version": 1, "chat_data": {"<chat id>": {...}}}``) read back into our own dataclasses
field by field, each value checked against the field's type with bounds (64-bit integers,
strings and lists of bounded size; nesting deeper than our types is refused). It holds each
chat's recent questions (``history``), the answers behind its "full sources" buttons
(``shown``), its followed topics with the articles already pushed (``follows``) and when it
was last active (``seen``); nothing else is persisted (rate-limit
windows live in memory: a restart forgives). A chat idle for longer than
``NEWSQA_TELEGRAM_CHAT_TTL`` is forgotten, so the file does not grow with every chat ever seen.

Crash safety: written to a temp file (mode 0600: it holds people's questions), flushed and
fsynced, renamed over the old file, then the directory is fsynced. A state file that is
empty, truncated, not ours or hostile is moved aside with a warning and the bot starts with
empty state: a bad file must never keep the bot from starting (under ``restart:
unless-stopped`` it would crash-loop). A write that fails (disk full, read-only data dir)
is logged and retried on the next change; answering goes on.

Cost at scale: a save re-serializes only the chats that changed since the last one (the
others' JSON is kept), and serializing and writing run in a thread, off the event loop.

An old ``telegram_state.pickle`` is never loaded by the bot: ``bot.telegram.migrate``
converts it once, on the operator's explicit command (``newsqa migrate-telegram-state``).
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.atomic import json_bytes, write_bytes_atomically
from bot.follows import Follow
from bot.state_check import INT_LIMIT, StateError, build
from index.types import Answer, Turn

log = logging.getLogger(__name__)

STATE_FILE = "telegram_state.json"
STATE_VERSION = 1
ANSWERS_KEPT = 10
THREADS_KEPT = 50  # a group's member threads kept (the least recently used goes first)
REPLIES_KEPT = 500  # answer messages of a group that a reply can continue


# -- the data ----------------------------------------------------------------------------------


@dataclass
class Shown:
    """An answer already sent, kept so the "Show full sources" button can expand it."""

    answer: Answer
    message_ids: list[int] = field(default_factory=list)


@dataclass
class ChatState:
    """Typed ``chat_data``: what a chat remembers across restarts. ``seen`` (epoch seconds of
    the chat's last update, 0 = unknown) is kept by the persistence, not compared."""

    history: list[Turn] = field(default_factory=list)
    shown: dict[str, Shown] = field(default_factory=dict)
    seen: float = field(default=0.0, compare=False)
    threads: dict[str, list[Turn]] = field(default_factory=dict)
    """A group's conversations: one per member ("u<id>"), continued by replies to its answers."""
    replied: dict[str, str] = field(default_factory=dict)
    """The bot's answer messages in a group (ids as text) → the thread they belong to."""
    follows: list[Follow] = field(default_factory=list)
    digest_at: str = ""
    """``/digest HH:MM``: the daily digest's time ("" = none), in ``digest_tz``."""
    digest_tz: str = "UTC"

    def waits_for_pushes(self) -> bool:
        """Follows or a digest: the chat is kept however long it stays silent."""
        return bool(self.follows or self.digest_at)

    def thread(self, key: str | None) -> list[Turn]:
        """The turns of a group thread (``key``), or the private chat's (None)."""
        return self.history if key is None else self.threads.get(key, [])

    def keep(self, key: str | None, turns: list[Turn]) -> None:
        """Store a thread's turns (the private chat's when ``key`` is None)."""
        if key is None:
            self.history = turns
            return
        self.threads.pop(key, None)
        self.threads[key] = turns
        while len(self.threads) > THREADS_KEPT:
            del self.threads[next(iter(self.threads))]

    def link(self, key: str | None, message_ids: list[int]) -> None:
        """The bot's answer ``message_ids`` continue group thread ``key`` when replied to."""
        if key is None:
            return
        for mid in message_ids:
            self.replied[str(mid)] = key
        while len(self.replied) > REPLIES_KEPT:
            del self.replied[next(iter(self.replied))]

    def remember(self, answer: Answer) -> str:
        key = secrets.token_hex(4)
        self.shown[key] = Shown(answer)
        while len(self.shown) > ANSWERS_KEPT:
            del self.shown[next(iter(self.shown))]
        return key

    def to_data(self) -> dict[str, Any]:
        """JSON-ready: only dicts, lists, strings, numbers, booleans and None."""
        return {
            "history": [asdict(t) for t in self.history],
            "threads": {k: [asdict(t) for t in v] for k, v in self.threads.items()},
            "replied": dict(self.replied),
            "shown": {
                k: {"answer": asdict(s.answer), "message_ids": list(s.message_ids)}
                for k, s in self.shown.items()
            },
            "seen": self.seen,
            "follows": [asdict(f) for f in self.follows],
            "digest_at": self.digest_at,
            "digest_tz": self.digest_tz,
        }

    @classmethod
    def from_data(cls, data: Any) -> ChatState:
        """Rebuild from ``to_data`` output. Raises ``StateError`` on anything else."""
        return build(cls, data)


def dump_state(chat_data: dict[int, ChatState]) -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "chat_data": {str(cid): state.to_data() for cid, state in chat_data.items()},
    }


def parse_state(raw: bytes) -> dict[int, ChatState]:
    """The chats in a state file's bytes. Raises ``StateError`` for anything but our state."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except ValueError as exc:  # not UTF-8, not JSON, a number of over 4,300 digits
        raise StateError(f"not JSON ({str(exc)[:100]})") from None
    except RecursionError:
        raise StateError("nested too deeply to be our state") from None
    if not isinstance(doc, dict):
        raise StateError(f"state: expected an object, got {type(doc).__name__}")
    if doc.get("version") != STATE_VERSION:
        raise StateError(f"unknown state version {str(doc.get('version'))[:40]!r}")
    chats = doc.get("chat_data", {})
    if not isinstance(chats, dict):
        raise StateError(f"chat_data: expected an object, got {type(chats).__name__}")
    out: dict[int, ChatState] = {}
    try:
        for key, state in chats.items():
            if not (re.fullmatch(r"-?[0-9]{1,19}", key) and -INT_LIMIT <= int(key) < INT_LIMIT):
                raise StateError(f"chat id {key[:40]!r} is not a 64-bit integer")
            out[int(key)] = ChatState.from_data(state)
    except (TypeError, AttributeError, RecursionError) as exc:  # what the checks missed
        raise StateError(f"bad chat data ({type(exc).__name__})") from None
    return out


# -- the file ----------------------------------------------------------------------------------


Saved = dict[int, tuple[ChatState, bytes]]
"""Each chat's JSON as last written, with the state object it was made from."""


def write_chats(path: Path, chats: list[tuple[int, ChatState]], saved: Saved) -> Saved:
    """Write ``chats`` as the state file, re-serializing only those whose state object is not
    the one in ``saved`` (changed since); returns what was written, for the next time."""
    out: Saved = {}
    for cid, state in chats:
        entry = saved.get(cid)
        if entry is None or entry[0] is not state:
            entry = (state, b'"%d":' % cid + json_bytes(state.to_data()))
        out[cid] = entry
    head = b'{"version":%d,"chat_data":{' % STATE_VERSION
    write_bytes_atomically(path, head + b",".join(e[1] for e in out.values()) + b"}}")
    return out


def load_state(path: Path) -> dict[int, ChatState]:
    """The saved chats; a bad file is moved aside (``<name>.bad-<time>``) with a warning
    and an empty state returned. Never raises for the file's content."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        log.warning("cannot read the Telegram state file %s (%s); starting with empty state",
                    path, exc.strerror or exc)
        return {}
    try:
        if not raw.strip():
            raise StateError("the file is empty")
        return parse_state(raw)
    except StateError as exc:
        aside = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            path.replace(aside)
            where = f"moved it to {aside}"
        except OSError as move_exc:
            where = f"could not move it aside ({move_exc.strerror or move_exc})"
        log.warning("the Telegram state file %s is unreadable (%s); %s and started with "
                    "empty state", path, exc, where)
        return {}


class JsonPersistence(BasePersistence[dict[Any, Any], ChatState, dict[Any, Any]]):
    """PTB persistence of ``chat_data`` in one JSON file (see the module docstring).

    Writes happen once per persistence round in which something changed (all chats of the
    round in one write, one write at a time, in a thread), and at shutdown. Chats idle for
    ``idle_s`` seconds (0: never) are left out at load and listed by :meth:`idle_chats`.
    """

    def __init__(
        self, path: Path, *, update_interval: float = 10, idle_s: float = 0.0
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, user_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self.path = path
        self.idle_s = idle_s
        self.chat_data: dict[int, ChatState] | None = None
        self._active: dict[int, float] = {}  # every chat's last update, kept or empty
        self._saved: Saved = {}
        self._dirty = False
        self._writer: asyncio.Task[None] | None = None

    def idle_chats(self, now: float | None = None) -> list[int]:
        """Chats whose last update is older than ``idle_s`` (none when expiry is off); a chat
        that follows a topic or asked for a digest is never idle: it is waiting for pushes."""
        if not self.idle_s:
            return []
        cutoff = (time.time() if now is None else now) - self.idle_s
        chats = self.chat_data or {}
        return [cid for cid, seen in self._active.items()
                if seen < cutoff and not (cid in chats and chats[cid].waits_for_pushes())]

    # -- what PTB reads ---------------------------------------------------------------------

    async def get_chat_data(self) -> dict[int, ChatState]:
        if self.chat_data is None:
            self.chat_data = load_state(self.path)
            now = time.time()
            for cid, state in self.chat_data.items():
                state.seen = min(state.seen, now) or now  # unknown or future: from now on
                self._active[cid] = state.seen
            if idle := self.idle_chats(now):
                for cid in idle:
                    del self.chat_data[cid], self._active[cid]
                log.info("forgot %d Telegram chats idle for over %g s", len(idle), self.idle_s)
                self._changed()
        return copy.deepcopy(self.chat_data)  # PTB's own objects: changes must show here

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        return {}

    # -- what PTB writes --------------------------------------------------------------------

    async def update_chat_data(self, chat_id: int, data: ChatState) -> None:
        """Called for every chat that had an update this round (``data`` a deep copy)."""
        if self.chat_data is None:
            self.chat_data = {}
        self._active[chat_id] = data.seen = time.time()
        old = self.chat_data.get(chat_id)
        if not (data.history or data.shown or data.threads or data.waits_for_pushes()):
            if self.chat_data.pop(chat_id, None) is not None:
                self._changed()
        elif old == data:
            old.seen = data.seen  # written with its next change
        else:
            self.chat_data[chat_id] = data
            self._changed()

    async def drop_chat_data(self, chat_id: int) -> None:
        self._active.pop(chat_id, None)
        if self.chat_data is not None and self.chat_data.pop(chat_id, None) is not None:
            self._changed()

    async def flush(self) -> None:
        """At shutdown: the write in flight, then the last changes."""
        await self.saved()
        if self._dirty:
            self._changed()
            await self.saved()

    async def saved(self) -> None:
        """Until the write in flight (if any) is done."""
        if self._writer is not None:
            await self._writer

    def _changed(self) -> None:
        self._dirty = True
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._save())

    async def _save(self) -> None:
        await asyncio.sleep(0)  # every chat of this round into one write
        while self._dirty:
            self._dirty = False
            chats = list((self.chat_data or {}).items())
            try:
                self._saved = await asyncio.to_thread(write_chats, self.path, chats, self._saved)
            except OSError as exc:  # disk full, read-only: keep answering, retry on next change
                log.error("could not save the Telegram state to %s (%s); conversations since "
                          "the last save are kept in memory only", self.path,
                          exc.strerror or exc)
                self._dirty = True
                return

    # -- unused kinds of data ---------------------------------------------------------------

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: ChatState) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None


async def expire_idle_chats(context: Any) -> None:
    """JobQueue callback: forget the chats idle for longer than the persistence's ``idle_s``,
    in the application too (its copy would be saved again otherwise)."""
    app = context.application
    if isinstance(app.persistence, JsonPersistence):
        for chat_id in app.persistence.idle_chats():
            app.drop_chat_data(chat_id)
