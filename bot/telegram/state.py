"""The Telegram bot's persistent state as plain JSON data, never pickle.

Why not ``PicklePersistence``: unpickling a file runs whatever code the file names, so
anyone who can write the state file owns the bot. Here the state is a JSON document
(``{"version": 1, "chat_data": {"<chat id>": {...}}}``) read back into our own dataclasses
field by field. It holds each chat's recent questions (``history``) and the answers behind
its "full sources" buttons (``shown``); nothing else is persisted (rate-limit windows live in
memory: a restart forgives).

Crash safety: written to a temp file (mode 0600: it holds people's questions), flushed and
fsynced, renamed over the old file, then the directory is fsynced. A state file that is
empty, truncated or not ours is moved aside with a warning and the bot starts with empty
state: a bad file must never keep the bot from starting (under ``restart:
unless-stopped`` it would crash-loop). A write that fails (disk full, read-only data dir)
is logged and retried on the next change; answering goes on.

An old ``telegram_state.pickle`` is never loaded by the bot: ``bot.telegram.migrate``
converts it once, on the operator's explicit command (``newsqa migrate-telegram-state``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from index.types import Answer, ArticleInfo, Citation, Claim, Conflict, Turn

log = logging.getLogger(__name__)

STATE_FILE = "telegram_state.json"
STATE_VERSION = 1
ANSWERS_KEPT = 10
THREADS_KEPT = 50  # a group's member threads kept (the least recently used goes first)
REPLIES_KEPT = 500  # answer messages of a group that a reply can continue

T = TypeVar("T")


class StateError(ValueError):
    """A state file that cannot be read as our state (one line: which file, what is wrong)."""


# -- the data ----------------------------------------------------------------------------------


@dataclass
class Shown:
    """An answer already sent, kept so the "Show full sources" button can expand it."""

    answer: Answer
    message_ids: list[int] = field(default_factory=list)


@dataclass
class ChatState:
    """Typed ``chat_data``: what a chat remembers across restarts."""

    history: list[Turn] = field(default_factory=list)
    shown: dict[str, Shown] = field(default_factory=dict)
    threads: dict[str, list[Turn]] = field(default_factory=dict)
    """A group's conversations: one per member ("u<id>"), continued by replies to its answers."""
    replied: dict[int, str] = field(default_factory=dict)
    """The bot's answer messages in a group → the thread they belong to."""

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
            self.replied[mid] = key
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
            "replied": {str(k): v for k, v in self.replied.items()},
            "shown": {
                k: {"answer": asdict(s.answer), "message_ids": list(s.message_ids)}
                for k, s in self.shown.items()
            },
        }

    @classmethod
    def from_data(cls, data: Any) -> ChatState:
        """Rebuild from ``to_data`` output. Raises ``StateError`` on anything else."""
        d = _dict(data, "chat")
        history = [_turn(t) for t in _list(d.get("history", []), "history")]
        shown = {
            str(k): Shown(_answer(_dict(v, "shown").get("answer")),
                          [int(i) for i in _list(_dict(v, "shown").get("message_ids", []), "ids")])
            for k, v in _dict(d.get("shown", {}), "shown").items()
        }
        threads = {str(k): [_turn(t) for t in _list(v, "thread")]
                   for k, v in _dict(d.get("threads", {}), "threads").items()}
        replied = {_int(k): str(v) for k, v in _dict(d.get("replied", {}), "replied").items()}
        return cls(history=history, shown=shown, threads=threads, replied=replied)


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise StateError(f"{what}: expected an object, got {type(value).__name__}")
    return value


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StateError(f"expected a message id, got {str(value)[:20]!r}") from None


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise StateError(f"{what}: expected a list, got {type(value).__name__}")
    return value


def _build(cls: type[T], data: Any, **nested: Any) -> T:
    """``cls(**data)`` keeping only ``cls``'s fields (a file from an older or newer version
    still loads); ``nested`` overrides fields that need their own conversion."""
    d = _dict(data, cls.__name__)
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    try:
        return cls(**{k: v for k, v in d.items() if k in names} | nested)
    except TypeError as exc:  # a required field is missing
        raise StateError(f"{cls.__name__}: {exc}") from None


def _turn(data: Any) -> Turn:
    d = _dict(data, "turn")
    return _build(Turn, d, article_ids=tuple(str(a) for a in _list(d.get("article_ids", []),
                                                                     "article_ids")),
                  titles=tuple(str(a) for a in _list(d.get("titles", []), "titles")))


def _answer(data: Any) -> Answer:
    d = _dict(data, "answer")
    conflicts = [
        Conflict(
            str(_dict(c, "conflict").get("topic", "")),
            tuple(
                Claim(str(_dict(cl, "claim").get("value", "")),
                      tuple(int(n) for n in _list(cl.get("citations", []), "citations")),
                      str(cl["published"]) if cl.get("published") else None)
                for cl in _list(c.get("claims", []), "claims")
            ),
            str(c.get("kind") or "disagreement"),
        )
        for c in _list(d.get("conflicts", []), "conflicts")
    ]
    return _build(
        Answer, d,
        citations=[_build(Citation, c) for c in _list(d.get("citations", []), "citations")],
        conflicts=conflicts,
        closest=[_build(ArticleInfo, a) for a in _list(d.get("closest", []), "closest")],
        timings_ms={str(k): float(v) for k, v in _dict(d.get("timings_ms", {}), "t").items()},
    )


def dump_state(chat_data: dict[int, ChatState]) -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "chat_data": {str(cid): state.to_data() for cid, state in chat_data.items()},
    }


def parse_state(raw: bytes) -> dict[int, ChatState]:
    """The chats in a state file's bytes. Raises ``StateError`` for anything but our state."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(f"not JSON ({exc})") from None
    doc = _dict(doc, "state")
    if doc.get("version") != STATE_VERSION:
        raise StateError(f"unknown state version {doc.get('version')!r}")
    try:
        return {
            int(cid): ChatState.from_data(state)
            for cid, state in _dict(doc.get("chat_data", {}), "chat_data").items()
        }
    except (ValueError, TypeError, AttributeError) as exc:  # int("x"), float(None), …
        raise StateError(f"bad chat data ({exc})") from None


# -- the file ----------------------------------------------------------------------------------


def write_json_atomically(path: Path, doc: Any) -> None:
    """Temp file (0600) + flush + fsync + rename + directory fsync: after a crash or power
    loss the file is the old state or the new one, never half of one."""
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


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
    round in one write), and at shutdown.
    """

    def __init__(self, path: Path, *, update_interval: float = 10) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, user_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self.path = path
        self.chat_data: dict[int, ChatState] | None = None
        self._dirty = False
        self._write_scheduled = False

    # -- what PTB reads ---------------------------------------------------------------------

    async def get_chat_data(self) -> dict[int, ChatState]:
        if self.chat_data is None:
            self.chat_data = load_state(self.path)
        return dict(self.chat_data)

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
        if self.chat_data is None:
            self.chat_data = {}
        if self.chat_data.get(chat_id) == data:
            return
        self.chat_data[chat_id] = data  # PTB hands over a deep copy
        self._changed()

    async def drop_chat_data(self, chat_id: int) -> None:
        if self.chat_data is not None and self.chat_data.pop(chat_id, None) is not None:
            self._changed()

    async def flush(self) -> None:
        if self._dirty:
            self._write()

    def _changed(self) -> None:
        self._dirty = True
        if not self._write_scheduled:  # coalesce every chat of this round into one write
            self._write_scheduled = True
            asyncio.get_running_loop().call_soon(self._write)

    def _write(self) -> None:
        self._write_scheduled = False
        try:
            write_json_atomically(self.path, dump_state(self.chat_data or {}))
        except OSError as exc:  # disk full, read-only: keep answering, retry on next change
            log.error("could not save the Telegram state to %s (%s); conversations since "
                      "the last save are kept in memory only", self.path, exc.strerror or exc)
            return
        self._dirty = False

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
