"""Text helpers shared by ingestion, chunking and answering: normalisation and sentence spans."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": "", "\u2060": "", "\ufeff": "",
    }
)
_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Canonical form for *matching* (never for display): NFKC, straight quotes, single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _WS.sub(" ", text).strip()


def match_key(text: str) -> str:
    """Case-insensitive matching key, used to spot repeated paragraphs and headlines."""
    return normalize(text).casefold()


@lru_cache(maxsize=1)
def _punkt() -> Any:
    # LlamaIndex bundles NLTK's punkt data, so this works offline.
    from llama_index.core.utils import globals_helper

    return globals_helper.punkt_tokenizer


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Absolute ``(start, end)`` spans of the sentences in ``text[start:end]``, trimmed.

    Punkt handles abbreviations ("U.S.", "Mr.") better than a regex; a line break always ends
    a sentence because news text puts headlines and credits on lines of their own.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for line in text[start:end].split("\n"):
        line_start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        for s, e in _punkt().span_tokenize(line):
            seg = line[s:e]
            lead = len(seg) - len(seg.lstrip())
            trail = len(seg) - len(seg.rstrip())
            if e - trail > s + lead:
                spans.append((line_start + s + lead, line_start + e - trail))
    return spans


# ---------------------------------------------------------------------------------------------
# Display text: what a reader sees of a stored slice. The stored text stays verbatim; a quote is
# ``display(text[start:end])``, a pure function of the original, so it is checked against the
# original file by recomputing it.

ZERO_WIDTH = (
    "[\u200b\u2060\ufeff\u180e]"
    "|(?<=[\x21-\x7e])[\u200c\u200d]|[\u200c\u200d](?=[\x21-\x7e])"
)
"""Invisible characters that only hide words and numbers from a reader ("3\u200b90"): zero-width
space, word joiner, zero-width no-break space, Mongolian vowel separator; and zero-width
(non-)joiners beside ASCII (in Persian, Indic scripts and emoji sequences they do shape text,
and are kept)."""
_ZERO_WIDTH = re.compile(ZERO_WIDTH)


def drop_zero_width(text: str) -> str:
    """``text`` without :data:`ZERO_WIDTH` characters (what search indexes of a stored slice)."""
    return _ZERO_WIDTH.sub("", text)


_MARKUP = re.compile(
    r"(?P<entity>&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)"
    r"|(?P<image>!\[(?P<alt>[^\]\n]*)\]\([^)\n]*\))"
    r"|(?P<link>\[(?P<label>[^\]\n]+)\]\((?:[^()\n]|\([^)\n]*\))*\))"
    r"|(?P<strong>\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`)"
    r"|(?P<heading>^[ \t]*#{1,6}[ \t]+)"
    r"|(?P<bidi>[\u200e\u200f\u202a-\u202e\u2066-\u2069])"
    rf"|(?P<zw>{ZERO_WIDTH})"
    r"|(?P<space>\s+)",
    re.MULTILINE,
)


def display_map(raw: str) -> tuple[str, list[int]]:
    """``(display, offsets)``: ``raw`` with HTML entities decoded, Markdown inline markup
    (``**``, ``_``/``*`` emphasis markers, backticks, ``[text](url)``, ``#`` heading marks),
    bidi controls and zero-width characters (:data:`ZERO_WIDTH`) removed, and whitespace runs
    collapsed to one space. Both kinds of invisible characters only change what a reader,
    search or the entity tagger would make of the words, never what is seen.

    ``offsets[i]`` is the index in ``raw`` of display character ``i``; ``offsets[len(display)]``
    is ``len(raw)``, so a display span ``[a, b)`` comes from ``raw[offsets[a]:offsets[b]]``
    (for ``b`` pointing past a removed token, the raw end is ``offsets[b - 1] + 1`` at least).
    """
    import html

    out: list[str] = []
    offs: list[int] = []
    pos = 0

    def emit(text: str, at: int, step: int = 1) -> None:
        for k, ch in enumerate(text):
            out.append(ch)
            offs.append(at + k * step)

    for m in _MARKUP.finditer(raw):
        if m.start() > pos:
            emit(raw[pos : m.start()], pos)
        kind = m.lastgroup
        if kind == "entity":
            decoded = html.unescape(m.group(0))
            for ch in decoded:
                if ch in "\u00a0\u2009\u202f":
                    ch = " "
                out.append(ch)
                offs.append(m.start())
        elif kind == "image":
            emit(m.group("alt"), m.start("alt"))
        elif kind == "link":
            emit(m.group("label"), m.start("label"))
        elif kind == "space" and out and out[-1] != " ":
            out.append(" ")
            offs.append(m.start())
        pos = m.end()
    if pos < len(raw):
        emit(raw[pos:], pos)
    # Whitespace collapsing may leave a space next to a removed token: trim the ends.
    while out and out[-1] == " ":
        out.pop()
        offs.pop()
    lead = 0
    while lead < len(out) and out[lead] == " ":
        lead += 1
    text = "".join(out[lead:])
    offsets = [*offs[lead:], len(raw)]
    return text, offsets


def display(raw: str) -> str:
    """What a reader is shown of a stored slice (see ``display_map``)."""
    if not _NEEDS_DISPLAY.search(raw):
        return raw.strip()
    return display_map(raw)[0]


_NEEDS_DISPLAY = re.compile(
    r"[&*_`\[#\u200e\u200f\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff\u180e]"
    r"|\s{2,}|[\n\t\r\f\v]"
)
