"""Sentence boundaries by a kept rule-based splitter (pysbd), bounded in length.

pysbd was chosen over spaCy's parser/senter on the news cases in ``tests/sentence_cases.py``
(abbreviations such as "U.S.", "Jan. 22", "3 p.m.", initials, quotes ending in "?”"):
pysbd 22/22, spaCy parser 22/22, spaCy senter 21/22 ("9 a.m." ends a sentence); pysbd is
also ~7x cheaper than the parser and has rules for 22 languages (``python
tools/compare_splitters.py`` prints the counts).

Splitting runs on the *display* text of a block (entities decoded, Markdown removed) and the
boundaries are mapped back to the original, so offsets always point into the verbatim text.
No sentence is longer than ``MAX_SENTENCE_CHARS``: longer ones are cut at a clause boundary.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from index.text import display_map

MAX_SENTENCE_CHARS = 600
_WINDOW = 4000  # pysbd's regexes are slow on huge unpunctuated text: feed it windows
_PUNCT = re.compile(r"[.!?。！？…]")
_CLAUSE = re.compile(r"(?:[;:]|,|\s[—–]|\s-)\s+|\s(?=(?:and|but|while|which|who)\s)")

# pysbd's languages (ISO 639-1); others are split with the English rules.
PYSBD_LANGUAGES = frozenset(
    "en hi mr zh es am ar hy bg ur ru pl fa nl da fr my el it ja de kk sk".split()
)


@cache
def _segmenter(language: str) -> Any:
    import pysbd

    return pysbd.Segmenter(language=language, clean=False)


def sentence_spans(
    text: str, start: int, end: int, *, language: str = "en"
) -> list[tuple[int, int]]:
    """Absolute ``(start, end)`` spans of the sentences of ``text[start:end]``, trimmed, each
    at most ``MAX_SENTENCE_CHARS`` of display text. Line breaks inside a block are joined
    (hard-wrapped paragraphs); blocks themselves never share a sentence."""
    raw = text[start:end]
    shown, offsets = display_map(raw)
    if not shown:
        return []
    lang = language if language in PYSBD_LANGUAGES else "en"
    spans: list[tuple[int, int]] = []
    for a, b in _display_sentences(shown, lang):
        for a2, b2 in _bounded(shown, a, b):
            s, e = _to_raw(raw, offsets, a2, b2)
            if e > s:
                spans.append((start + s, start + e))
    return spans


def _display_sentences(shown: str, language: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = 0
    for window in _windows(shown):
        segs = _segmenter(language).segment(window) if _PUNCT.search(window) else [window]
        for seg in segs:
            piece = seg.strip()
            if not piece:
                continue
            at = shown.find(piece, pos)
            if at < 0:  # the splitter changed the text: fall back to the whole window
                at = shown.find(window.strip(), pos)
                piece = window.strip()
            out.append((at, at + len(piece)))
            pos = at + len(piece)
    return _merge_fragments(shown, out)


def _windows(shown: str) -> list[str]:
    if len(shown) <= _WINDOW:
        return [shown]
    parts: list[str] = []
    pos = 0
    while pos < len(shown):
        cut = min(len(shown), pos + _WINDOW)
        if cut < len(shown):
            stop = max(shown.rfind(". ", pos, cut), shown.rfind("? ", pos, cut),
                       shown.rfind("! ", pos, cut))
            cut = stop + 2 if stop > pos else (shown.rfind(" ", pos, cut) + 1 or cut)
            if cut <= pos:
                cut = min(len(shown), pos + _WINDOW)
        parts.append(shown[pos:cut])
        pos = cut
    return parts


def _merge_fragments(shown: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Glue a piece that starts in lower case onto the one before ("He paused... then")."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and shown[a : a + 1].islower() and b - out[-1][0] <= MAX_SENTENCE_CHARS:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _bounded(shown: str, a: int, b: int) -> list[tuple[int, int]]:
    """Cut ``shown[a:b]`` into pieces of ≤ MAX_SENTENCE_CHARS at clause boundaries (or spaces)."""
    out: list[tuple[int, int]] = []
    while b - a > MAX_SENTENCE_CHARS:
        limit = a + MAX_SENTENCE_CHARS
        cut = -1
        for m in _CLAUSE.finditer(shown, a + MAX_SENTENCE_CHARS // 3, limit):
            cut = m.end()
        if cut <= a:
            cut = shown.rfind(" ", a + 1, limit) + 1
        if cut <= a:
            cut = limit
        piece_end = cut
        while piece_end > a and shown[piece_end - 1] == " ":
            piece_end -= 1
        out.append((a, piece_end))
        a = cut
        while a < b and shown[a] == " ":
            a += 1
    if b > a:
        out.append((a, b))
    return out


def _to_raw(raw: str, offsets: list[int], a: int, b: int) -> tuple[int, int]:
    """A display span → the raw span that displays as it (whole markup tokens included)."""
    s = offsets[a]
    floor = offsets[a - 1] + 1 if a > 0 else 0
    while s > floor and not raw[s - 1].isspace():  # an opening "[", "**" or "#"
        s -= 1
    e = offsets[b - 1] + 1
    # Extend over a markup token that ends the span (an entity "&rdquo;", a closing "**").
    while e < len(raw) and (b >= len(offsets) - 1 or e < offsets[b]) and not raw[e].isspace():
        e += 1
    return s, e
