"""Read: the trained reader scores the closest candidate sentences; each becomes a
``Witness`` with the reader's answer probability and the answer span inside it.

Candidates are the sentences of the retrieved chunks, capped at ``MAX_CANDIDATES`` by the
cheap score of ``evidence.score_sentences`` (meaning + shared words): the reader costs ~5 ms a
sentence on 2 cores, and the cap keeps a gold answer in ~96 % of answerable questions
(``calibration.MAX_CANDIDATES``). Ranking is by ``fused``: the reader's logit plus the cheap score,
weighted as calibrated in ``index.answer.calibration``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from index.answer.calibration import CHEAP_WEIGHT, MAX_CANDIDATES
from index.answer.evidence import Sentence
from index.ingest.dates import resolve_date
from index.understand.question import QType, Question, stems

_DIGIT = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                    r"dozens?|hundreds?|thousands?|millions?|billions?)\b", re.IGNORECASE)
_CAPITAL = re.compile(r"\b[A-Z]")
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")


def logit(p: float) -> float:
    """log(p / (1 - p)), bounded away from 0 and 1."""
    return math.log(max(p, 1e-6) / max(1 - p, 1e-6))


@dataclass
class Witness:
    """A candidate sentence as read for the question."""

    sentence: Sentence
    p: float  # reader: P(this sentence answers the question)
    span: str | None  # the answer as written inside the sentence
    span_p: float  # reader: P(that span | the sentence answers)
    fused: float  # ranking score (reader logit + weighted cheap score)
    span_at: tuple[int, int] | None = None  # span offsets in ``sentence.text``

    @property
    def article_id(self) -> str:
        return self.sentence.article_id

    @property
    def story(self) -> str:
        return self.sentence.story

    @property
    def published(self) -> str:
        return str(self.sentence.chunk.meta.get("published") or "")[:10]


def read(reader: Any, q: Question, sents: list[Sentence]) -> list[Witness]:
    """Witnesses for the top ``MAX_CANDIDATES`` sentences, best first."""
    pool = sents[:MAX_CANDIDATES]
    if not pool:
        return []
    readings = reader.read(q.resolved, [_plain(s) for s in pool],
                           [str(s.chunk.meta.get("title") or "") for s in pool])
    out = []
    for s, r in zip(pool, readings, strict=True):
        at = _in_text(s, r.span)
        span = s.text[at[0] : at[1]].strip(" ,;:.") if at else None
        out.append(Witness(s, r.score, span or None, r.span_score,
                           logit(r.score) + CHEAP_WEIGHT * s.score, at))
    out.sort(key=lambda w: -w.fused)
    return out


def _plain(s: Sentence) -> str:
    """What the reader sees: the sentence without a table row's header line."""
    return s.text.split("\n", 1)[1] if s.header and "\n" in s.text else s.text


def _in_text(s: Sentence, span: tuple[int, int] | None) -> tuple[int, int] | None:
    if span is None:
        return None
    shift = len(s.text) - len(_plain(s))
    return span[0] + shift, span[1] + shift


def fits(q: Question, w: Witness) -> bool:
    """Is the span a value of the asked type, and not one the question already names? Numbers
    need a digit or number word (not a number of the question); dates a year, or words the
    date parser resolves to a day against the article's date ("Friday", "13 November");
    names and places a capitalised word, and none of the question's names. Untyped questions
    have no typed span."""
    if w.span is None or w.span_at is None:
        return False
    if q.qtype is QType.NUMBER:
        numbers = set(re.findall(r"\d[\d,.]*", w.span)) - set(re.findall(r"\d[\d,.]*", q.text))
        return bool(numbers) or bool(_DIGIT.search(w.span) and not re.search(r"\d", w.span))
    if set(stems(w.span)) & set(q.entities):
        return False
    if q.qtype is QType.DATE:
        return bool(_YEAR.search(w.span)) or resolve_date(w.span, w.published or None) is not None
    return q.qtype in (QType.PLACE, QType.NAME) and bool(_CAPITAL.search(w.span))
