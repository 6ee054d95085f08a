"""The Telegram state of older versions (``telegram_state.pickle``): never loaded by the bot,
converted once to the JSON state file by ``newsqa migrate-telegram-state``, with an unpickler
that only accepts the handful of classes the old bot stored (a crafted file is refused, not run).
"""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path
from typing import Any

from bot.atomic import write_json_atomically
from bot.telegram.state import (
    STATE_FILE,
    ChatState,
    Shown,
    StateError,
    dump_state,
    parse_state,
)
from index.types import Answer, ArticleInfo, Citation, Claim, Conflict, Turn

log = logging.getLogger(__name__)

LEGACY_PICKLE = "telegram_state.pickle"


def warn_legacy_pickle(data_dir: Path) -> None:
    """Say that an old pickle state file is ignored, and how to convert it."""
    old = data_dir / LEGACY_PICKLE
    if old.exists():
        log.warning(
            "ignoring the old Telegram state file %s: pickle files can run code when loaded. "
            "To keep its conversations, run `newsqa migrate-telegram-state` once; "
            "otherwise delete it", old,
        )


_ALLOWED = {
    ("bot.telegram_app", "ChatState"): ChatState,
    ("bot.telegram_app", "Shown"): Shown,
    ("bot.telegram_state", "ChatState"): ChatState,
    ("bot.telegram_state", "Shown"): Shown,
    # The same classes under their module since the bot/telegram/ package (pickled by tests).
    ("bot.telegram.state", "ChatState"): ChatState,
    ("bot.telegram.state", "Shown"): Shown,
    ("index.types", "Answer"): Answer,
    ("index.types", "Citation"): Citation,
    ("index.types", "Conflict"): Conflict,
    ("index.types", "Claim"): Claim,
    ("index.types", "ArticleInfo"): ArticleInfo,
    ("index.types", "Turn"): Turn,
    ("builtins", "dict"): dict,
    ("builtins", "list"): list,
    ("builtins", "set"): set,
    ("builtins", "tuple"): tuple,
}


class _DataOnlyUnpickler(pickle.Unpickler):
    """Accepts our state classes and plain containers; any other global (``os.system``,
    ``builtins.eval``, …) stops the load before it can be called."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise StateError(
                f"the pickle file refers to {module}.{name}, which bot state never holds: "
                "refusing to load it"
            ) from None

    def persistent_load(self, pid: Any) -> None:  # PTB's stand-in for Bot objects
        return None


def migrate_pickle(data_dir: Path) -> int:
    """Convert ``telegram_state.pickle`` into the JSON state file, once; return the number of
    chats. The pickle is renamed ``*.migrated``. Raises ``StateError`` (one line) when there
    is nothing to migrate, the JSON state already exists, or the file holds anything else."""
    old, new = data_dir / LEGACY_PICKLE, data_dir / STATE_FILE
    if not old.exists():
        raise StateError(f"no old state file to migrate ({old} does not exist)")
    if new.exists():
        raise StateError(f"{new} already exists: delete it first to migrate {old} again")
    try:
        with old.open("rb") as fh:
            doc = _DataOnlyUnpickler(fh).load()
    except StateError:
        raise
    except Exception as exc:  # truncated, not a pickle, wrong shapes
        raise StateError(f"{old} is not a readable state file ({type(exc).__name__})") from None
    raw = doc.get("chat_data") if isinstance(doc, dict) else None
    if not isinstance(raw, dict) or not all(isinstance(v, ChatState) for v in raw.values()):
        raise StateError(f"{old} does not hold Telegram chat state")
    chats = {int(k): v for k, v in raw.items()}
    parse_state(json.dumps(dump_state(chats)).encode())  # what we write must load back
    write_json_atomically(new, dump_state(chats))
    old.replace(old.with_name(old.name + ".migrated"))
    return len(chats)
