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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from index.answer.calibration import CHEAP_WEIGHT, MAX_CANDIDATES, UNSURE_P
from index.answer.conflicts import spelled
from index.answer.evidence import Sentence, previous_texts
from index.answer.reports import REPORT_KEY
from index.ingest.dates import resolve_date
from index.store import ChunkStore
from index.understand.question import QType, Question, stems

_ROUGH = re.compile(r"\b(?:dozens?|hundreds|thousands|millions|billions)\b", re.IGNORECASE)
_DIGITS = re.compile(r"\d[\d,.]*")
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


def read(
    reader: Any, q: Question, sents: list[Sentence], store: ChunkStore | None = None
) -> list[Witness]:
    """Witnesses for the top ``MAX_CANDIDATES`` sentences, best first. A reader that reads
    the sentence before each one gets it from ``store`` when it lies in another chunk."""
    pool = sents[:MAX_CANDIDATES]
    if not pool:
        return []
    config = getattr(reader, "config", None)
    before = previous_texts(store, pool) if config is not None and config.previous else None
    readings = reader.read(q.resolved, [_plain(s) for s in pool],
                           [str(s.chunk.meta.get("title") or "") for s in pool], before)
    out = []
    for s, r in zip(pool, readings, strict=True):
        at = _in_text(s, r.span)
        span = s.text[at[0] : at[1]].strip(" ,;:.") if at else None
        out.append(Witness(s, r.score, span or None, r.span_score,
                           logit(r.score) + CHEAP_WEIGHT * s.score, at))
    out.sort(key=lambda w: -w.fused)
    return out


def named_first(
    ws: list[Witness], outlets: Sequence[str],
    same_story: Callable[[str, str], bool] | None = None,
) -> list[Witness]:
    """A question that names one outlet ("How many died, according to Northern Wire?") asks
    what that outlet reported: its best witness leads, the others keep their order — when it
    tells the best witness's story (``same_story``); otherwise the outlet did not report
    this, and the order stays (as with several outlets named, or none of its witnesses)."""
    mine = next((w for w in ws if _from(w, outlets[0])), None) if len(outlets) == 1 else None
    if mine is None or (same_story is not None
                        and not same_story(ws[0].article_id, mine.article_id)):
        return ws
    return [mine, *(w for w in ws if w is not mine)]


def newest_first(
    ws: list[Witness], q: Question, same_story: Callable[[str, str], bool] | None = None,
    min_p: float = UNSURE_P,
) -> list[Witness]:
    """A question that asks for the latest ("What is the latest death toll?") is answered by
    the newest dated report of the best witness's story that the reader thinks answers it
    (``min_p``): that witness leads, the others keep their order."""
    if not q.wants_latest or not ws:
        return ws
    best = ws[0]
    newer = [w for w in ws[1:] if w.p >= min_p and w.published > best.published
             and (same_story is None or same_story(best.article_id, w.article_id))]
    if not newer:
        return ws
    mine = max(newer, key=lambda w: (w.published, w.fused))
    return [mine, *(w for w in ws if w is not mine)]


def _from(w: Witness, outlet: str) -> bool:
    meta = w.sentence.chunk.meta
    return meta.get("source") == outlet or outlet in str(meta.get(REPORT_KEY) or "")


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
    need a number, in digits or words (not one of the question), or a rough count
    ("dozens"); dates a year, or words the date parser resolves to a day against the
    article's date ("Friday", "13 November"); names and places a capitalised word, and none
    of the question's names. Untyped questions have no typed span."""
    if w.span is None or w.span_at is None:
        return False
    if q.qtype is QType.NUMBER:
        span = spelled(w.span)  # "Fifteen" is 15
        numbers = set(_DIGITS.findall(span)) - set(_DIGITS.findall(spelled(q.text)))
        return bool(numbers) or bool(_ROUGH.search(span) and not _DIGITS.search(span))
    if set(stems(w.span)) & set(q.entities):
        return False
    if q.qtype is QType.DATE:
        return bool(_YEAR.search(w.span)) or resolve_date(w.span, w.published or None) is not None
    return q.qtype in (QType.PLACE, QType.NAME) and bool(_CAPITAL.search(w.span))
