"""Making untrusted names safe to show on one line (terminal and Telegram alike).

A file name may contain a newline, a carriage return or a bidi override: printed as is in
an ingest summary it could forge a line of our own output (``added 99, …``) or reorder it.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
"""Arabic letter mark, LRM/RLM, embeddings/overrides (LRE…RLO) and isolates (LRI…PDI)."""

_UNSAFE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}\\ud800-\\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def escape_name(text: str) -> str:
    """``text`` on one line: newlines, tabs, control and bidi characters as visible escapes
    (``\\n``, ``\\x1b``, ``\\u202e``); backslashes doubled so an escape cannot be faked."""

    def sub(m: re.Match[str]) -> str:
        ch = m.group(0)
        if ch in _NAMED:
            return _NAMED[ch]
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return re.sub(f"{_UNSAFE.pattern}|\\\\", sub, text)


TITLE_MAX = 200
"""A title, outlet or feed name longer than this is hostile or broken: shown shortened."""


def shorten(text: str, limit: int = TITLE_MAX) -> str:
    """``text`` on one line of at most ``limit`` characters (plus `` …``), cut at a space when
    one is near: a 100,000-character title must not flood an answer or a listing."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip() + " …"
