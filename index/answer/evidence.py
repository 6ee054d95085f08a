"""Evidence: the sentences of the retrieved chunks, read from the stored metadata (offsets,
sentence vectors, table headers) and scored for a question."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.answer.conflicts import Quantity, quantities
from index.answer.retrieve import Candidate, recency_key
from index.store import ChunkStore, StoredChunk, decode_sentence_vectors, group_of
from index.text import display
from index.understand.question import QType, Question, stems

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:,\s*\d{{4}})?|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?|"
    rf"(?:{_MONTHS})\s+\d{{4}}|(?:19|20)\d\d|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|yesterday|today|last (?:week|month|year)|this (?:week|month|year))\b"
)
_PLACE = re.compile(r"\b(?:in|at|near|from|to)\s+((?:[A-Z][\w’'-]+)(?:\s+[A-Z][\w’'-]+)*)")
_NUMBER = re.compile(r"\b\d[\d,.]*(?:p|m|bn|k|tn|pc)?\b|"
                     r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundreds?|"
                     r"thousands?|millions?|dozens?)\b", re.IGNORECASE)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+)+)")



@dataclass
class Sentence:
    text: str
    start: int
    end: int
    chunk: StoredChunk
    index: int
    semantic: float = 0.0
    lexical: float = 0.0
    cue: float = 0.0
    score: float = 0.0
    vec: np.ndarray | None = None
    quantities: list[Quantity] = field(default_factory=list)
    header: tuple[int, int] | None = None

    @property
    def article_id(self) -> str:
        return str(self.chunk.meta.get("article_id", ""))

    @property
    def story(self) -> str:
        """Its article's group of wire copies: one report, however many outlets ran it."""
        return group_of(self.chunk.meta)


def score_sentences(
    store: ChunkStore,
    q: Question,
    qvec: np.ndarray,
    cands: list[Candidate],
    outlets: Sequence[str] = (),
) -> list[Sentence]:
    """Every sentence of the retrieved chunks, scored for the question and sorted best first:
    meaning (sentence vector · question vector), IDF-weighted term overlap (the counted noun
    and named entities weigh more), answer-type cues, retrieval rank, a lead-paragraph prior,
    and the outlets or days the question names. Table rows come with their header line."""
    # Sentence vectors travel in the chunk's metadata: no extra round trip to Chroma.
    vecs = {
        c.chunk.chunk_id: m
        for c in cands
        if (m := decode_sentence_vectors(c.chunk.meta)) is not None
    }
    idf = store.bm25().idf(q.keywords)
    for term in idf:  # the counted noun and the named entities carry the question
        if term == q.target:
            idf[term] *= 3.0
        elif term in q.entities:
            idf[term] *= 1.5
    total_idf = sum(idf.values()) or 1.0
    rank_bonus = {c.chunk.chunk_id: 1.0 / (i + 1) for i, c in enumerate(cands)}
    out: list[Sentence] = []
    for cand in cands:
        chunk = cand.chunk
        spans = _spans(chunk)
        mat = vecs.get(chunk.chunk_id)
        headers = _headers(chunk)
        table_header = str(chunk.meta.get("table_header") or "")
        for i, (s, e) in enumerate(spans):
            text = _text_at(chunk, (s, e))
            if not text.strip():
                continue
            prefix = ""
            if i in headers and table_header:  # a row is never shown without its header
                prefix = f"{table_header}\n"
            sent = Sentence(prefix + text, s, e, chunk, i, header=headers.get(i))
            if mat is not None and i < len(mat):
                sent.vec = mat[i]
                sent.semantic = float(mat[i] @ qvec)
            else:
                sent.semantic = cand.vector
            words = set(stems(text))
            title_words = set(stems(str(chunk.meta.get("title", ""))))
            hit = sum(w for t, w in idf.items() if t in words)
            hit_title = sum(w for t, w in idf.items() if t in title_words and t not in words)
            sent.lexical = (hit + 0.3 * hit_title) / total_idf
            sent.quantities = quantities(text)
            sent.cue = _cue(q.qtype, text, q, sent.quantities)
            short = len(text.split()) < 6
            named = (
                (0.05 if str(chunk.meta.get("source", "")) in outlets else 0.0)
                + (0.05 if str(chunk.meta.get("published", ""))[:10] in q.dates else 0.0)
            )
            # News puts the main facts first: a small prior for early paragraphs.
            early = 1.0 - min(int(chunk.meta.get("paragraph", 0)), 10) / 10
            sent.score = (
                0.55 * sent.semantic
                + 0.35 * sent.lexical
                + (0.25 if q.qtype is not QType.OTHER else 0.0) * sent.cue
                + 0.05 * rank_bonus[chunk.chunk_id]
                + 0.04 * early
                + named
                - (0.15 if short else 0.0)
            )
            out.append(sent)
    if q.wants_latest and out:  # "latest"/"most recent": newer articles score higher
        stamps = [recency_key(x.chunk.meta.get("published")) for x in out]
        lo, hi = min(stamps), max(stamps)
        for x, t in zip(out, stamps, strict=True):
            x.score += 0.1 * ((t - lo) / (hi - lo) if hi > lo else 0.0)
    return sorted(out, key=lambda x: -x.score)


def context_stems(s: Sentence) -> set[str]:
    """The stemmed words of a sentence's paragraph (its chunk) and its article's title: what
    a witness's context names."""
    return set(stems(s.chunk.text)) | set(stems(str(s.chunk.meta.get("title", ""))))


def previous_texts(store: ChunkStore | None, sents: Sequence[Sentence]) -> list[str]:
    """The sentence before each one in its article ("" for an article's first): from its own
    chunk when it has one before it, else the last of the article's chunk before (one query
    for all of them, none when ``store`` is None). A reader trained with it reads a
    pronoun's antecedent there ("He scored …" after "Reyes joined in 2019.")."""
    out = [_text_at(s.chunk, _spans(s.chunk)[s.index - 1]) if s.index > 0 else "" for s in sents]
    opening = [k for k, s in enumerate(sents) if s.index == 0 and _start(s.chunk) > 0]
    if not opening or store is None:
        return out
    chunks = store.articles_chunks([sents[k].article_id for k in opening])
    for k in opening:
        s = sents[k]
        before = [c for c in chunks.get(s.article_id, []) if _start(c) < _start(s.chunk)]
        if before:
            out[k] = _text_at(before[-1], _spans(before[-1])[-1])
    return out


def _start(chunk: StoredChunk) -> int:
    """The chunk's offset in its article's text."""
    return int(chunk.meta.get("start", 0) or 0)


def _text_at(chunk: StoredChunk, span: tuple[int, int]) -> str:
    """The display text of a sentence, from its article offsets."""
    base = _start(chunk)
    return display(chunk.text[span[0] - base : span[1] - base])


def _spans(chunk: StoredChunk) -> list[tuple[int, int]]:
    raw = str(chunk.meta.get("sentences", ""))
    spans = []
    for part in raw.split(";"):
        if ":" in part:
            a, b = part.split(":", 1)
            spans.append((int(a), int(b)))
    if not spans:
        start = _start(chunk)
        spans = [(start, start + len(chunk.text))]
    return spans


def _headers(chunk: StoredChunk) -> dict[int, tuple[int, int]]:
    """Sentence index → its table header span, from the chunk's ``headers`` metadata."""
    out: dict[int, tuple[int, int]] = {}
    for part in str(chunk.meta.get("headers") or "").split(";"):
        bits = part.split(":")
        if len(bits) == 3 and all(b.isdigit() for b in bits):
            out[int(bits[0])] = (int(bits[1]), int(bits[2]))
    return out


def _cue(qtype: QType, text: str, q: Question, qtys: list[Quantity]) -> float:
    """How well the sentence has the *kind* of thing the question asks for."""
    if qtype is QType.NUMBER:
        if q.target and any(q.target in stems(x.text) or x.key == q.target for x in qtys):
            return 1.0
        return 0.4 if _NUMBER.search(text) else 0.0
    if qtype is QType.DATE:
        return 1.0 if _DATE.search(text) else 0.0
    if qtype is QType.PLACE:
        return 1.0 if _places(text, q) else 0.0
    if qtype is QType.NAME:
        names = [n for n in _NAME.findall(text) if not set(stems(n)) <= set(q.keywords)]
        return 1.0 if names else 0.0
    if qtype is QType.QUOTE:
        return 1.0 if re.search(r"[“\"«].{8,}?[”\"»]", text) else 0.0
    return 0.0


_NOT_PLACES = re.compile(rf"^(?:{_MONTHS}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
                         r"Sunday|President|Prime|Minister|Mr|Mrs|Ms|Dr)\b")


def _places(text: str, q: Question) -> list[re.Match[str]]:
    return [
        m for m in _PLACE.finditer(text)
        if not _NOT_PLACES.match(m.group(1)) and not set(stems(m.group(1))) <= set(q.keywords)
    ]
