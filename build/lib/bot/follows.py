"""Followed topics, shared by the front ends: the ``Follow`` record (in a Telegram chat's state
and in the local user's ``follows.json``), the commands' wording and limits, and the local
user's follows (REPL ``/follow``, ``newsqa follow``, shown by ``newsqa watch``).

The local user's follows live in ``<data dir>/follows.json`` (written atomically, read back
field by field like the bot's state): the topics, the articles already shown for each, and the
articles a refresh added whose matches were not shown yet (``pending``: a crash between
ingest and printing loses nothing).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.atomic import write_json_atomically
from bot.console import UserError
from bot.escape import BIDI_CONTROLS
from bot.state_check import StateError, build
from index.follow import MAX_TOPIC, new_reports, push_answer
from index.types import Answer, Citation

FOLLOWS_FILE = "follows.json"
PENDING_KEPT = 2000
_BAD_CHARS = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f{BIDI_CONTROLS}\\ud800-\\udfff]")

SENT_KEPT = 500
SEEN_KEPT = 10


@dataclass
class Follow:
    """A topic the chat follows (``/follow``): who asked (the allowlist is checked again at each
    push) and the articles already pushed for it, so a restart never sends one twice."""

    topic: str
    user_id: int = 0
    username: str = ""
    sent: list[str] = field(default_factory=list)
    """Article ids pushed for this topic, oldest first (the newest ``SENT_KEPT`` are kept)."""
    seen: list[Citation] = field(default_factory=list)
    """The ledes pushed last (``SEEN_KEPT``): a later lede's changed figure is shown against
    them, both quoted."""

    def pushed(self, ledes: list[Citation]) -> None:
        """Record ``ledes`` (of new reports) as sent."""
        self.sent = [*self.sent, *(c.article_id for c in ledes)][-SENT_KEPT:]
        self.seen = [*self.seen, *ledes][-SEEN_KEPT:]


def norm_topic(raw: str) -> str:
    """A topic as stored: control characters dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", _BAD_CHARS.sub("", raw)).strip()


def remove_follow(follows: list[Any], which: str) -> Any | None:
    """Remove and return the follow numbered ``which`` (1-based) or named so; None if none.
    Works on any list of objects with a ``topic`` (the chat's, the local user's)."""
    which = norm_topic(which)
    if re.fullmatch(r"\d{1,4}", which) and 1 <= int(which) <= len(follows):
        return follows.pop(int(which) - 1)
    for i, f in enumerate(follows):
        if which and f.topic.casefold() == which.casefold():
            return follows.pop(i)
    return None


@dataclass
class LocalFollows:
    """What ``follows.json`` holds."""

    follows: list[Follow] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, data_dir: Path) -> LocalFollows:
        """The saved follows; a missing file is none, a bad one an error that says which."""
        path = data_dir / FOLLOWS_FILE
        try:
            return build(cls, json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return cls()
        except (ValueError, StateError) as exc:
            raise UserError(f"{path} is not a follows file ({str(exc)[:120]}): move it "
                            "aside to start again") from None

    def save(self, data_dir: Path) -> None:
        self.pending = self.pending[-PENDING_KEPT:]
        write_json_atomically(data_dir / FOLLOWS_FILE, asdict(self))


def add_topic(follows: list[Follow], raw: str, limit: int) -> str:
    """Add a topic to ``follows`` (bounded, no duplicates); the message to show."""
    topic = norm_topic(raw)
    if not topic:
        return "Give a topic: a few words, e.g. “Port Elms harbor bridge”."
    if len(topic) > MAX_TOPIC:
        return f"That topic is too long (over {MAX_TOPIC} characters): a few words will do."
    if any(f.topic.casefold() == topic.casefold() for f in follows):
        return f"Already following “{topic}”."
    if len(follows) >= limit:
        return f"Already following {len(follows)} topics, the most allowed (NEWSQA_FOLLOW_MAX)."
    follows.append(Follow(topic))
    return f"Following “{topic}”: new reports on it are shown after each feed refresh."


def listing(follows: list[Follow]) -> str:
    if not follows:
        return "No followed topics: add one with /follow TOPIC (or `newsqa follow add TOPIC`)."
    return "\n".join(f"{n}. {f.topic}" for n, f in enumerate(follows, start=1))


def unfollow(follows: list[Follow], which: str) -> str:
    gone = remove_follow(follows, which)
    return f"Stopped following “{gone.topic}”." if gone else "No such topic: see the list."


def local_matches(engine: Any, added: list[str]) -> list[Answer]:
    """After a refresh that added ``added``: one push per local topic with new reports,
    recorded as shown (call it, print what it returns)."""
    data_dir = engine.cfg.data_dir
    state = LocalFollows.load(data_dir)
    state.pending = list(dict.fromkeys([*state.pending, *added]))
    if not state.follows or not state.pending:
        if state.pending:
            state.pending = []
            state.save(data_dir)
        return []
    state.save(data_dir)
    found = []
    for f in state.follows:
        fresh = [a for a in state.pending if a not in f.sent]
        reports = new_reports(engine.store, engine.embedder, engine.reader, f.topic, fresh)
        if reports:
            found.append(push_answer(f.topic, reports, f.seen))
            f.pushed([r.lede for r in reports])
    state.pending = []
    state.save(data_dir)
    return found


def edit_local(data_dir: Path, limit: int, change: Any, *, save: bool = True) -> str:
    """Run ``change(follows, limit)`` on the local user's follows; save them unless told not
    to (a listing writes nothing)."""
    local = LocalFollows.load(data_dir)
    text = str(change(local.follows, limit))
    if save:
        data_dir.mkdir(parents=True, exist_ok=True)
        local.save(data_dir)
    return text
