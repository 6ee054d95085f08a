"""Secrets out of logs: the bot token (and the webhook secret) are redacted from every record.

Why case-insensitive, and why halves: PTB capitalises an error description, which
lower-cases the rest of it, so a 400 that echoes the request path logs
``/bot123456789:aah…/sendmessage``; and a URL or an error may carry the token split at its
colon (``bot123456789`` in one place, the secret in another, or ``%3A`` for the colon).
So the whole token, its numeric bot id and its secret part are each matched regardless of
case. The id is only matched as a whole number (it is the bot's public user id, but with
the secret it is the credential, and alone it tells which bot the logs belong to).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

REDACTED = "<redacted>"
TOKEN_RE = re.compile(r"^(\d+):([A-Za-z0-9_-]{3,})$")
_MIN_PART = 6  # a shorter half (a test token's) would redact ordinary words


def secret_patterns(secret: str) -> list[str]:
    """Regex alternatives matching ``secret`` and, for a bot token, its halves."""
    m = TOKEN_RE.match(secret)
    if m is None:
        return [re.escape(secret)]
    bot_id, key = m.groups()
    out = [f"{re.escape(bot_id)}(?::|%3a){re.escape(key)}"]
    if len(key) >= _MIN_PART:
        out.append(re.escape(key))
    if len(bot_id) >= _MIN_PART:
        out.append(rf"(?<![0-9]){re.escape(bot_id)}(?![0-9])")
    return out


class TokenFilter(logging.Filter):
    """Replaces the bot token (and other secrets) in a record's message and traceback."""

    def __init__(self, secrets_: Iterable[str]) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(secrets_)

    def add(self, secrets_: Iterable[str]) -> None:
        self.secrets.update(s for s in secrets_ if s)
        alternatives = {p for s in self.secrets for p in secret_patterns(s)}
        # Longest first: the whole token wins over its halves.
        ordered = sorted(alternatives, key=len, reverse=True)
        self._pattern = re.compile("|".join(ordered), re.IGNORECASE) if ordered else None

    def redact(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text) if self._pattern is not None else text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._pattern is None:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            return True
        if self._pattern.search(message):
            record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


REDACTOR = TokenFilter(())


def protect_secrets(*values: str) -> None:
    """Redact ``values`` from every log record from now on: at creation (so handlers added later,
    pytest's caplog included, never see them) and in the root logger's current handlers."""
    first = not REDACTOR.secrets
    REDACTOR.add(values)
    if first:
        make = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make(*args, **kwargs)
            REDACTOR.filter(record)
            return record

        logging.setLogRecordFactory(factory)
    for handler in logging.getLogger().handlers:
        if REDACTOR not in handler.filters:
            handler.addFilter(REDACTOR)
    # httpx logs every request URL (which contains the token) at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
