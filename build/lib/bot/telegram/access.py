"""Who may use the Telegram bot, how often, and whether its token looks right."""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass

from telegram import User

from bot.settings import Settings

TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{3,}$")


@dataclass(frozen=True)
class UserSet:
    """Users named by numeric id or ``@username`` (case-insensitive)."""

    ids: frozenset[int] = frozenset()
    names: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, raw: str, *, what: str = "users") -> UserSet:
        ids: set[int] = set()
        names: set[str] = set()
        for item in re.split(r"[,\s]+", raw.strip()):
            if not item:
                continue
            if re.fullmatch(r"-?\d+", item):
                ids.add(int(item))
            elif re.fullmatch(r"@?[A-Za-z][A-Za-z0-9_]{2,}", item):
                names.add(item.lstrip("@").lower())
            else:
                raise ValueError(
                    f"TELEGRAM_{what.upper()}: {item!r} is neither a numeric user id nor @username"
                )
        return cls(frozenset(ids), frozenset(names))

    @property
    def empty(self) -> bool:
        return not self.ids and not self.names

    def __contains__(self, user: object) -> bool:
        if not isinstance(user, User):
            return False
        return user.id in self.ids or (user.username or "").lower() in self.names


class RateLimiter:
    """Sliding window: at most ``per_minute`` hits per key in any 60 s (0 = unlimited)."""

    def __init__(self, per_minute: int, *, window_s: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self._hits: dict[int, deque[float]] = {}

    def hit(self, key: int, now: float | None = None) -> float:
        """Record a hit and return 0, or return the seconds to wait (the hit is not recorded)."""
        if self.per_minute <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return hits[0] + self.window_s - now
        hits.append(now)
        return 0.0


def check_token(settings: Settings) -> str:
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        raise ValueError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather, then put its token "
            "in .env (TELEGRAM_BOT_TOKEN=123456:ABC...) or the environment"
        )
    token = settings.telegram_bot_token.get_secret_value().strip()
    if not TOKEN_RE.match(token):
        raise ValueError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (expected digits, a colon, then "
            "letters, digits, '_' or '-', as @BotFather gives it)"
        )
    return token


