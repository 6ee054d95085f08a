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
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": "",
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
