"""``Skipped``: an input that was not ingested, and the helpers that word its one-line reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Skipped:
    """An input that was not ingested, with a one-line human-readable reason."""

    input: str
    reason: str


def size_text(n: int) -> str:
    """``1536`` → ``1.5 KB``: sizes in reasons."""
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def short(msg: str, limit: int = 120) -> str:
    """One line of at most ``limit`` characters."""
    msg = " ".join(msg.split())
    return msg if len(msg) <= limit else msg[: limit - 1] + "…"
