"""Compare: each article's answer is its witness's span; spans are normalised to values and
grouped, so the articles **agree**, **disagree** or show an **update**.

One principle: two articles answer the same slot when the reader is sure of both witnesses
(``COMPARE_P``) and their spans are values of the asked type in the same unit. Numbers are
compared as numbers (scale words, currency, percent, the counted noun after them: "390
Ukrainians" is no "120 Russians"); they differ when they differ at the coarser written
precision. Dates, places and names are compared as words: they agree when the words of one
are among the other's ("1932" and "March 1932", "Geneva" and "Geneva, Switzerland").
Differing counts or amounts from differently dated articles are an **update** (newest first)
when no two reports of one day differ; anything else that differs is a **disagreement**.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from index.answer.calibration import COMPARE_P, COUNTED_MIN_P, MIN_ALIKE, MIN_NAMES_COVERED
from index.answer.conflicts import quantities, spelled
from index.answer.evidence import context_stems
from index.answer.periods import long_run
from index.answer.read import Witness, fits
from index.understand.question import QType, Question, stems

_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9,
          "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_CURRENCY = {"$": "USD", "dollar": "USD", "us$": "USD", "£": "GBP", "pound": "GBP", "€": "EUR",
             "euro": "EUR", "¥": "JPY", "yen": "JPY", "rouble": "RUB", "ruble": "RUB",
             "a$": "AUD", "rupee": "INR", "yuan": "CNY"}
VALUED = (QType.NUMBER, QType.DATE, QType.PLACE, QType.NAME)
"""Question types whose answer is a value: compared across sources, confirmed by a quote."""
_WEEKDAYS = frozenset(stems("Monday Tuesday Wednesday Thursday Friday Saturday Sunday"))
_FILLER = frozenset("the a an on in at of by and or its his her their mr mrs ms dr sir".split())
_NUMBER = re.compile(
    r"(?P<cur>us\$|a\$|[$£€¥])?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"\s*(?P<scale>thousand|million|billion|trillion|bn|mn|tn|m|k|b)?\b\s*"
    r"(?P<pct>%|per ?cent|percent)?", re.IGNORECASE)


@dataclass(frozen=True)
class Value:
    witness: Witness
    shown: str  # as the article writes it
    number: float  # (0 for a date, place or name)
    unit: str  # currency code, "%", or the stem of the counted noun ("" when none is written)
    precision: float  # the smallest step the written number can tell apart
    words: frozenset[str] = frozenset()  # a date's, place's or name's words, normalised

    @property
    def article_id(self) -> str:
        return self.witness.article_id


@dataclass
class Comparison:
    """``kind``: "agreement", "disagreement", "update" or "" (one answer or none); ``groups``:
    values grouped by agreement, the leading group first (for an update, the newest)."""

    kind: str = ""
    groups: list[list[Value]] = field(default_factory=list)


def value_of(q: Question, w: Witness) -> Value | None:
    """The span as a number with its unit (how many / how much), or as its words (when,
    where, who); None when the span is no value of that kind."""
    if w.span is None or w.span_at is None:
        return None
    if q.qtype is not QType.NUMBER:
        words = frozenset(x for x in re.findall(r"[a-z0-9]+", w.span.lower().replace("’s", ""))
                          if x not in _FILLER) - set(q.keywords)
        return Value(w, w.span, 0.0, "", 1.0, words) if words else None
    span, text, base = w.span, w.sentence.text, w.span_at[0]
    if not re.search(r"\d", span):  # "Fifteen": read as digits, shown as written
        span, text, base = spelled(span), spelled(text[base:]), 0
    m = _NUMBER.search(span)
    if not m:
        return None
    raw = m.group("num")
    number = float(raw.replace(",", ""))
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    scale = _SCALE.get((m.group("scale") or "").lower(), 1.0)
    after = text[base + m.end():][:24].lower()
    if scale == 1.0:  # "12 million dollars": the scale may follow the span
        s = re.match(r"\s*(thousand|million|billion|trillion|bn|mn|tn)\b", after)
        scale = _SCALE[s.group(1)] if s else 1.0
    at = base + m.start("num")
    # the noun its own number counts ("390 Ukrainians"), not a later number's
    counted = next((x for x in quantities(text[:at + 80]) if x.at == at), None)
    unit = "%" if m.group("pct") else _currency(m.group("cur"), span + " " + after)
    if not unit and counted is not None:
        unit = counted.key
    step = 10.0 ** -decimals * scale
    shown = w.span
    if (counted is not None and counted.noun_after and unit[:1].islower()
            and not re.search(r"[A-Za-z]", span[m.end("num"):])):
        noun = counted.text.split(" ", 1)[1]  # as the article writes it: "Fifteen people"
        shown = counted.text if span == w.span else f"{w.span} {noun}"
    return Value(w, shown, number * scale, unit, step)


def _currency(sign: str | None, text: str) -> str:
    if sign:
        return _CURRENCY.get(sign.lower(), "")
    words = re.findall(r"[a-z$£€¥]+", text.lower())
    for word in words[:4]:
        code = _CURRENCY.get(word.rstrip("s"))
        if code:
            return code
    return ""


def same_value(a: Value, b: Value) -> bool:
    """Equal at the coarser written precision ("$9.37bn" is "$9.4bn"); words: the words of
    one among the other's."""
    if a.words or b.words:
        return _covers(a.words, b.words) or _covers(b.words, a.words)
    step = max(a.precision, b.precision)
    return abs(round(a.number / step) - round(b.number / step)) < 1


def _covers(small: frozenset[str], big: frozenset[str]) -> bool:
    """Each word of ``small`` is one of ``big``'s, or an initial of one ("B.K. Yoon" is
    "Boo-Keun Yoon"; "Mick Doyle" is not "Mike Doyle")."""
    rest = big - small
    return all(w in big or (len(w) == 1 and w.isalpha() and any(x.startswith(w) for x in rest))
               for w in small)


def same_unit(a: Value, b: Value) -> bool:
    """The same currency, percent or counted noun; a count with no noun written meets any
    count, never an amount or a share."""
    if a.unit == b.unit:
        return True
    money = {x for x in (a.unit, b.unit) if x.isupper() or x == "%"}
    return not money and not (a.unit and b.unit)


def _slot_names(q: Question, lead: Witness) -> set[str]:
    """The question's names that the lead's sentence names ("300 jobs in Manchester" for
    "… in Manchester?"): names of people, places and things only — a day ("… on Friday?") or a
    number says when or how much, which reports of one event word differently."""
    return {e for e in q.entities if e.isalpha() and e not in _WEEKDAYS} & set(
        stems(lead.sentence.text))


def _names_enough(q: Question, slot: set[str], w: Witness) -> bool:
    """The witness's paragraph (or its article's title) names at least ``MIN_NAMES_COVERED``
    of what the question names (as a several-part question's refusal check does) and each of
    the ``slot`` names: "420 jobs in the UK", in a paragraph that never names Manchester, is
    no rival of "300 jobs in Manchester" but another slot."""
    if not q.entities:
        return True
    seen = context_stems(w.sentence)
    share = sum(e in seen for e in q.entities) / len(q.entities)
    return share >= MIN_NAMES_COVERED and slot <= seen


def _running(q: Question, w: Witness) -> bool:
    """Is the witness's count a long-run total (``index.answer.periods``)?"""
    return q.qtype is QType.NUMBER and w.span_at is not None and long_run(
        w.sentence.text, w.span_at[0], w.published)


def _alike(a: Witness, b: Witness) -> float:
    va, vb = a.sentence.vec, b.sentence.vec
    return float(va @ vb) if va is not None and vb is not None else 0.0


def compare(
    q: Question,
    witnesses: Sequence[Witness],
    *,
    min_p: float = COMPARE_P,
    min_alike: float = MIN_ALIKE,
    same_story: Callable[[str, str], bool] | None = None,
) -> Comparison:
    """The best witness's value against each other report's best witness's (an article and
    its wire copies are one report: ``index.answer.reports``). The best must
    be sure (``min_p``); another article's value joins when it is of the asked type in the
    same unit, its paragraph names at least half of what the question names and each name of
    the question that the best witness's sentence names ("in Manchester"), and either it
    counts exactly the noun the question counts ("how many *Ukrainians*": "270 Ukrainians")
    in a sentence the reader gives ``COUNTED_MIN_P`` ("41 people were injured" answers no
    "how many were killed"), or the reader is as sure of it and the two sentences are
    alike in meaning (``min_alike``: they speak of the same thing). A count of the asked noun
    has no such tie, and sources can only disagree about an event both report: with
    ``same_story`` it joins only from a report of the best witness's story (a fire's 800
    evacuated people are no rival to a ferry's 12 dead people)."""
    if q.qtype not in VALUED or not witnesses:
        return Comparison()
    best = witnesses[0]
    lead = value_of(q, best) if best.p >= min_p and fits(q, best) else None
    if lead is None:
        return Comparison()
    slot, lead_running = _slot_names(q, best), _running(q, best)
    seen = {best.story}  # one value per report: wire copies of it are no second source
    values = [lead]
    for w in witnesses[1:]:
        if w.story in seen:
            continue
        seen.add(w.story)
        v = value_of(q, w) if fits(q, w) and _names_enough(q, slot, w) else None
        if v is None or not same_unit(v, lead) or _running(q, w) != lead_running:
            continue  # a long-run total is no rival of one event's count
        counted = bool(q.target) and v.unit == q.target == lead.unit and w.p >= COUNTED_MIN_P
        if counted and same_story is not None:  # nothing else ties a bare count to the lead
            counted = same_story(best.article_id, w.article_id)
        if counted or (w.p >= min_p and _alike(best, w) >= min_alike):
            values.append(v)
    if not values:
        return Comparison()
    groups: list[list[Value]] = []
    for v in values:
        for g in groups:
            if same_value(v, g[0]):
                g.append(v)
                break
        else:
            groups.append([v])
    if len(groups) == 1:
        return Comparison("agreement" if len(groups[0]) > 1 else "", groups)
    days = [{v.witness.published for v in g} for g in groups]
    if q.qtype is QType.NUMBER and is_update(days):
        groups.sort(key=lambda g: max(v.witness.published for v in g), reverse=True)
        return Comparison("update", groups)
    return Comparison("disagreement", groups)


def is_update(days: list[set[str]]) -> bool:
    """Differing values are an update when every report is dated and no two reports of one
    day differ (``days``: the publication days of each group of agreeing values)."""
    return all(all(d) for d in days) and not any(
        a & b for i, a in enumerate(days) for b in days[i + 1:])


def topic_of(q: Question, c: Comparison) -> str:
    """What the values measure, for "The sources disagree on the …"."""
    if q.qtype is not QType.NUMBER:
        return {QType.DATE: "date", QType.PLACE: "place"}.get(q.qtype, "name")
    unit = c.groups[0][0].unit if c.groups else ""
    if unit == "%":
        return "share"
    if unit.isupper():
        return "amount"
    noun = q.target or unit
    shown = next((w for w in re.findall(r"[A-Za-z’'-]+", q.resolved) if stems(w) == [noun]), noun)
    return f"number of {shown}" if shown else "figure"
