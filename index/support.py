"""Is a statement from the LLM supported by the sentences it cites?

A cited marker only proves the model *pointed at* a real sentence, not that the sentence
says what the model wrote ("Zelensky announced his resignation on Friday and the war is
over [1]", cited to the "390 Ukrainians returned home" sentence, passed before). Three
checks, all against the cited sentences plus their article's outlet, title, date and link:

1. **Names, dates and numbers**: every named entity spaCy finds in the statement (people,
   places, organisations, nationalities, events, dates, quantities…) appears there, word by
   word (case-insensitive, a plural "s" forgiven). Without spaCy, capitalised words stand in.
2. **Links**: every URL or domain in the statement occurs there (an injected
   "visit http://evil.example" never reaches a user unless a cited source says it).
3. **Meaning**: each clause of the statement is close to some clause of a cited sentence:
   cosine similarity of their MiniLM embeddings at least ``SIMILARITY_FLOOR``.

``SIMILARITY_FLOOR`` is calibrated on the dev set (``tools/calibrate_support.py``): its
questions were written by an LLM from the evidence sentences, so each evidence sentence
with the clause of its question that restates it is a *good answer* of the kind a model
writes. The floor is the 5th percentile of those pairs' scores (95 % of good restatements
pass); a clause of an unrelated question scores above it for about 10 % of sentences.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from index.types import Citation

log = logging.getLogger(__name__)

SIMILARITY_FLOOR = 0.35
"""Minimum cosine similarity of a statement's clause to its best cited clause (calibrated,
see the module docstring; recompute with ``tools/calibrate_support.py``)."""
MIN_CLAUSE_WORDS = 3  # shorter pieces ("On Friday") are judged with their neighbour

_CLAUSE_SPLIT = re.compile(
    r"[,;:]\s+|\s+[-–—]\s+|\s+(?:and|but|while|whereas|although|because|so|which|who)\s+",
    re.IGNORECASE,
)
_MARKER = re.compile(r"\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\]")
_URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>()\[\]\"“”]+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|org|net|info|io|co|ru|cn|biz|xyz|example|test|gov|edu|uk)"
    r"\b(?:/[^\s<>()\[\]\"“”]*)?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ENTITY_LABELS = {
    "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
    "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "CARDINAL", "ORDINAL",
}
# In a DATE/TIME/quantity entity only these words must appear ("last week" may be phrased
# "seven days earlier"; "Friday" or "2025" may not be changed).
_DATE_WORDS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec",
}
# Words that attribute or frame rather than claim ("According to CNN", "the report said"):
# a clause made only of these and words of its sources needs no similarity.
_FRAMING = {
    "according", "report", "reported", "reports", "reporting", "say", "says", "said",
    "state", "stated", "states", "confirm", "confirmed", "confirms", "wrote", "writes",
    "told", "note", "noted", "notes", "add", "added", "adds", "article", "source", "sources",
    "outlet", "cite", "cites", "cited", "claim", "claims", "claimed", "per", "also",
    "the", "a", "an", "to", "of", "in", "on", "at", "by", "for", "with", "from", "that",
    "this", "it", "its", "was", "were", "is", "are", "be", "been", "has", "have", "had",
    "as", "one", "another", "other", "both", "and", "or", "but", "there", "they", "he",
    "she", "their", "his", "her", "which", "who", "what", "when", "where", "while",
}
_SOFT_LABELS = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "CARDINAL", "ORDINAL"}
_FALLBACK_STOP = {
    "the", "a", "an", "this", "that", "these", "those", "it", "he", "she", "they", "we", "i",
    "in", "on", "at", "according", "however", "but", "and", "both", "one", "another", "some",
    "sources", "source", "there", "his", "her", "their", "its", "as", "after", "before",
}


def _stem(word: str) -> str:
    w = word.casefold().replace("’", "'")
    for suffix in ("'s", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


@lru_cache(maxsize=1)
def _nlp() -> Any:
    """The ingest's hash-checked spaCy pipeline (NER; ~1 s to load, once), or None."""
    try:
        from index.ingest.annotate import load_nlp

        return load_nlp()
    except Exception as exc:  # not installed or broken: capitalised words stand in
        log.warning("spaCy NER unavailable (%s); checking capitalised words instead", exc)
        return None


_NLP_LOCK = threading.Lock()  # spaCy pipelines are not documented as thread-safe


def entities(text: str) -> list[tuple[str, str]]:
    """``(text, label)`` of the named entities, dates and quantities in ``text``."""
    nlp = _nlp()
    if nlp is not None:
        with _NLP_LOCK:
            doc = nlp(text)
        return [(e.text, e.label_) for e in doc.ents if e.label_ in _ENTITY_LABELS]
    out = []
    for i, word in enumerate(_words(text)):
        if word[:1].isupper() and word.casefold() not in _FALLBACK_STOP and (i or len(word) > 1):
            out.append((word, "PROPN"))
    return out


def _required_words(entity: str, label: str) -> list[str]:
    words = _words(entity)
    if label in _SOFT_LABELS:
        return [w for w in words if w.isdigit() or w.casefold() in _DATE_WORDS]
    return [w for w in words if w.casefold() not in {"the", "of", "and", "a", "an"}]


def support_text(cited: Sequence[Citation]) -> str:
    """What a statement may draw on: the cited sentences and their articles' details."""
    return "\n".join(
        " ".join(x for x in (c.quote, c.source, c.title, c.published, c.url) if x)
        for c in cited
    )


def urls(text: str) -> list[str]:
    return [m.group(0).rstrip(".,;:!?'’") for m in _URL.finditer(text)]


def clauses(text: str) -> list[str]:
    """Clauses of at least ``MIN_CLAUSE_WORDS`` words; a shorter piece joins its neighbour."""
    pieces = [p.strip(" .,;:!?\"'“”") for p in _CLAUSE_SPLIT.split(text)]
    pieces = [p for p in pieces if p]
    out: list[str] = []
    carry = ""
    for piece in pieces:
        piece = f"{carry} {piece}".strip() if carry else piece
        if len(_words(piece)) < MIN_CLAUSE_WORDS:
            carry = piece
            continue
        carry = ""
        out.append(piece)
    if carry:
        if out:
            out[-1] = f"{out[-1]} {carry}"
        else:
            out.append(carry)
    return out


class SupportChecker:
    """``unsupported(statement, cited)``: why the statement is not supported, or None.

    ``embedder`` (anything with ``embed(texts) -> unit vectors``) enables the meaning check;
    without it only names, dates, numbers and links are checked.
    """

    def __init__(self, embedder: Any = None, *, floor: float = SIMILARITY_FLOOR) -> None:
        self.embedder = embedder
        self.floor = floor

    def unsupported(self, statement: str, cited: Sequence[Citation]) -> str | None:
        body = _MARKER.sub(" ", statement)
        source = support_text(cited)
        source_words = {_stem(w) for w in _words(source)}
        for url in urls(body):
            if url.casefold() not in source.casefold():
                return f"link {url} is not in its sources"
        for text, label in entities(body):
            missing = [w for w in _required_words(text, label) if _stem(w) not in source_words]
            if missing:
                return f"{label.lower()} {text!r} is not in its sources"
        if self.embedder is None or not cited:
            return None
        mine = clauses(body)
        theirs = [p for c in cited for p in (c.quote, *clauses(c.quote))]
        if not mine or not theirs:
            return None
        vecs = np.asarray(self.embedder.embed([*mine, *theirs]), dtype=np.float32)
        best = (vecs[: len(mine)] @ vecs[len(mine) :].T).max(axis=1)
        for clause, score in zip(mine, best, strict=True):
            covered = all(
                w.casefold() in _FRAMING or _stem(w) in source_words for w in _words(clause)
            )
            if float(score) < self.floor and not covered:
                return f"{clause!r} is not close to its sources ({float(score):.2f})"
        return None
