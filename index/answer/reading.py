"""Readings: the value each article's witness gives for the question's slot, with what it
takes to compare it — kind, unit or currency, written precision, bound ("at least"), scope
(a period, a total, "state" against "national") and the acts beside it ("killed", "injured").

One reading per article at most, from the entities annotated at ingest: the value
``witness.value_of`` ties to the focus, else a count of the asked noun with no other act
beside it, else (for "what price / what is it worth") an amount in the asked currency. A value
said of another party, a year in a name or a model number is no reading (``agree`` compares).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from index.answer.analysis import NUMERIC, PLACES, TEMPORAL, Analysis
from index.answer.question import ACTS, OPPOSITES, stems, verb_stem
from index.answer.witness import (
    SCALE_SUFFIX,
    Value,
    clause_distance,
    currency_sign,
    mentions,
    money_unit,
    typed_values,
    value_of,
)

_HEDGES = (
    ("at least", ">="), ("no fewer than", ">="), ("no less than", ">="), ("more than", ">"),
    ("over", ">"), ("upwards of", ">"), ("in excess of", ">"), ("nearly", "~"),
    ("almost", "~"), ("around", "~"), ("about", "~"), ("approximately", "~"), ("roughly", "~"),
    ("some", "~"), ("close to", "~"), ("an estimated", "~"), ("estimated", "~"),
    ("up to", "<="), ("as many as", "<="), ("fewer than", "<"), ("less than", "<"),
    ("under", "<"), ("below", "<"),
)
_HEDGE_RE = re.compile(
    r"(?:^|\W)(" + "|".join(re.escape(h) for h, _ in _HEDGES) + r")\s+(?:a\s+|an\s+)?$",
    re.IGNORECASE,
)
_HEDGE_IN = re.compile(
    r"(" + "|".join(re.escape(h) for h, _ in _HEDGES) + r")\s+", re.IGNORECASE
)
_HEDGE_OP = dict(_HEDGES)
# Words after a value that tie it to a running total or another period.
_SCOPE_RE = re.compile(
    r"\b(since|so far|to date|in total|overall|altogether|all told|cumulative(?:ly)?|"
    r"a year|per year|a day|per day|a week|per week|a month|per month|annually|each year|"
    r"last year|this year|next year|in (?:19|20)\d\d|by (?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_SYNONYMS = {
    "individu": "peopl", "person": "peopl", "peopl": "peopl", "detaine": "prison",
    "prison": "prison", "captiv": "prison", "victim": "peopl",
}
_ORDINALS = {w: i for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split(),
    start=1)}
_CONTRAST_SETS = tuple(frozenset(x.split()) for x in (
    "national federal state local regional municipal provincial county",
    "domestic foreign international overseas", "public private", "male female",
    "upper lower",
))

@dataclass(frozen=True)
class Reading:
    """One article's value for the slot: its sentence, the value, and how it compares."""

    sentence: Any
    value: Value
    shown: str
    """The value as written with its hedge and counted noun ("at least 127 people")."""
    kind: str
    unit: str
    number: float | None = None
    resolution: float = 0.0
    op: str = "="
    scope: frozenset[str] = frozenset()
    acts: frozenset[str] = frozenset()
    """Known acts told next to the value ("killed", "injured"): counts of different acts are
    different slots."""

    @property
    def article_id(self) -> str:
        return str(self.sentence.article_id)

    @property
    def published(self) -> str | None:
        return str(self.sentence.chunk.meta.get("published") or "")[:10] or None


def readings(sents: Sequence[Any], a: Analysis, qstems: set[str], question: str,
             *, floor: float) -> list[Reading]:
    """At most one reading per article, from its best sentences scoring ≥ ``floor``: the
    first whose value has the question's scope, else the first at all."""
    out: dict[str, list[Reading]] = {}
    for s in sents:
        if s.score < floor or len(out.get(s.article_id, ())) >= 3:
            continue
        strict = value_of(s, a, qstems)
        # the value tied to the question, else a count of the asked noun, else an amount
        for v in (strict, _counted(s, a, qstems), _amount(s, a, qstems, a.currency)):
            r = _checked(s, v, a, qstems, question, strict=v is not None and v is strict)
            if r is not None:
                out.setdefault(s.article_id, []).append(r)
                break
    return [next((r for r in rs if not r.scope), rs[0]) for rs in out.values()]


def _checked(s: Any, v: Value | None, a: Analysis, qstems: set[str], question: str, *,
             strict: bool) -> Reading | None:
    """``v`` as a reading, or None when it is not one the question can compare."""
    if v is None or misread(s.text, v) or not _about(s, a, v, qstems):
        return None
    if v.label == "CARDINAL" and strict and _other_act(s.text, v, a):
        return None  # "the 129 people killed …, 352 were injured": 129 counts the dead
    if v.label == "CARDINAL" and not a.focus_noun:
        return None  # "how many of the attackers were French": no counted noun to compare
    if v.label == "MONEY" and not (a.focus_noun or a.focus_verb):
        return None  # an amount tied to nothing the question names
    r = _reading(s, v, a, question)
    if r is None or (a.currency and r.kind == "number" and r.unit != a.currency):
        return None
    if r.kind in ("date", "place", "name") and not (
        strict and clause_distance(s, a, v) == 0 and (r.kind != "date" or day_of(v))
    ):
        return None  # names and days are compared only when stated in the asked act itself
    return r


def scoped(s: Any, v: Value, a: Analysis, question: str) -> bool:
    """``v`` is tied to a time, total or contrast the question does not ask about ("at least
    4,757 freed *since March 2022*" for "how many were freed")."""
    r = _reading(s, v, a, question)
    return r is not None and bool(r.scope)


_AGENTS, _NAMED = frozenset({"PERSON", "ORG", "NORP", "GPE"}), frozenset(
    {"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC", "PRODUCT", "EVENT"})


def _label_at(s: Any, at: int) -> str:
    return next((str(label) for st, _, label, _ in s.ann if st + s.ann_offset == at), "")


def _about(s: Any, a: Analysis, v: Value, qstems: set[str]) -> bool:
    """The value is said of what the question is about: the sentence names each such entity
    and the nearest party named before the value is one of them ("Pasok … 33 seats" is no
    reading for New Democracy); or only the paragraph or title names them and the sentence
    names no other party."""
    names = [n for n in dict.fromkeys(a.about + a.proper or a.named)
             if n not in a.nationalities]
    if not names:
        return True
    parties = [(st + s.ann_offset, s.text[st + s.ann_offset : en + s.ann_offset])
               for st, en, label, _ in s.ann if label in _NAMED]
    others = [(at, o) for at, o in parties
              if not any(mentions(o, n) or mentions(n, o) for n in names)
              and not set(stems(o)) <= qstems]  # "the IPO" of "… in its IPO" is no party
    if all(mentions(s.text, n) for n in names):
        if v.label != "CARDINAL":
            return True
        # A count belongs to the party named last before it: "New Democracy has … (129
        # seats)"; not "Syriza … gained 71 seats, while … Golden Dawn …", nor "his 33 seats
        # … could form a government with New Democracy".
        if re.search(r"\b(?:his|her|their|its)\s+$", s.text[max(0, v.start - 8) : v.start],
                     re.IGNORECASE):
            return False
        named_at = [m.start() for n in names
                    for m in re.finditer(re.escape(n.split()[-1]), s.text[: v.start])]
        since = max(named_at, default=-1)
        return since >= 0 and not any(since < at < v.start for at, o in others
                                      if _label_at(s, at) in _AGENTS)
    if others:
        return False
    context = s.chunk.text + " " + str(s.chunk.meta.get("title", ""))
    return all(mentions(context, n) for n in names)


def _amount(s: Any, a: Analysis, qstems: set[str], currency: str) -> Value | None:
    """For "what price / what is it worth": the sentence's first amount of money (in the asked
    currency) when the sentence uses the question's verb or names no other act."""
    if a.labels != {"MONEY"}:
        return None
    acts = {st for w in re.findall(r"[\w’'-]+", s.text) if (st := verb_stem(w)) in ACTS}
    if a.focus_verb and acts & OPPOSITES.get(a.focus_verb, frozenset()):
        return None
    words = set(stems(s.text)) | {verb_stem(w) for w in re.findall(r"[\w’'-]+", s.text)}
    if not {a.focus_noun, a.focus_verb} & words - {None}:
        return None  # an amount in a sentence that names neither the asked thing nor act
    for v in typed_values(s, a, qstems):
        if not currency or money_unit(v, s.text) == currency:
            return v
    return None


# Acts whose counts news reports side by side ("3 killed and 17 injured"): a count told next to
# one of them is a count of that act. Light verbs ("left 400 wounded", "runs a fleet") are not
# among them.
COUNTED_ACTS = frozenset(
    "kill injur arrest free exchang hire lay fire cut rais buy sell beat lose launch cancel "
    "fall rise increas decreas import export rescu evacu deport charg convict sentenc".split()
)
_BOUNDARY = re.compile(r"[,;:.!?—–()]|\band\b|\bbut\b")


def _clause(text: str, v: Value) -> tuple[str, str]:
    """The words of the value's own clause before and after it."""
    after = _BOUNDARY.split(text[v.end : v.end + 80], maxsplit=1)[0]
    before = _BOUNDARY.split(text[max(0, v.start - 60) : v.start])[-1]
    return before, after


def _acts(text: str, v: Value) -> frozenset[str]:
    """Known acts within a few words of the value, in its clause (reporting verbs aside)."""
    before, after = _clause(text, v)
    near = re.findall(r"[\w’'-]+", before)[-5:] + re.findall(r"[\w’'-]+", after)[:4]
    return frozenset(st for w in near if (st := verb_stem(w)) in COUNTED_ACTS)


def _other_act(text: str, v: Value, a: Analysis) -> bool:
    """The value's clause tells of another known act than the question's ("attacks that
    killed 130 people" for "how many were hurt"), or of its opposite."""
    if not a.focus_verb:
        return False
    acts = _acts(text, v)
    return bool(acts - {a.focus_verb} or acts & OPPOSITES.get(a.focus_verb, frozenset()))


def _counted(s: Any, a: Analysis, qstems: set[str]) -> Value | None:
    """A number that counts the asked noun ("390 Ukrainians returned home" for "how many
    Ukrainians were freed"), when no other known act is said of it in its clause ("3 workers
    killed" is no count of injured workers)."""
    if not a.focus_noun or not a.labels & NUMERIC:
        return None
    want = _SYNONYMS.get(a.focus_noun, a.focus_noun)
    for v in typed_values(s, a, qstems):
        noun = v.norm.partition("|")[2]
        got = stems(noun)[-1:] if noun else []
        implicit = not noun and want == "peopl"  # "352 were injured" counts people
        if not implicit and (not got or _SYNONYMS.get(got[0], got[0]) != want):
            continue
        if _other_act(s.text, v, a):
            continue
        after = _clause(s.text, v)[1]
        if implicit and a.focus_verb not in {verb_stem(w) for w in re.findall(r"\w+", after)}:
            continue  # a bare number is a count of people only when the asked act follows
        return v
    return None


# -- one reading -------------------------------------------------------------------------


def _kind(label: str) -> str:
    if label in NUMERIC:
        return "number"
    if label in TEMPORAL:
        return "date"
    if label == "ORDINAL":
        return "rank"
    if label in PLACES:
        return "place"
    return "name"


def _reading(s: Any, v: Value, a: Analysis, question: str) -> Reading | None:
    text = s.text
    before = text[max(0, v.start - 24) : v.start]
    after = text[v.end : v.end + 60]
    after = re.split(r"[,;:.!?—–()]|\band\b|\bbut\b", after, maxsplit=1)[0]
    hedge = _HEDGE_RE.search(before)
    inside = _HEDGE_IN.match(v.text)  # the entity often holds its hedge: "more than 300"
    said = inside or hedge
    op = _HEDGE_OP[said.group(1).lower()] if said else "="
    if inside:
        hedge = None
    asked = {m.group(0).lower() for m in _SCOPE_RE.finditer(question)}
    scope = frozenset(
        m.group(0).lower() for m in _SCOPE_RE.finditer(after + " " + before)
        if m.group(0).lower() not in asked
    ) | _contrast_words(before + " " + after, question)
    if re.match(r"\s+(?:more|further|additional|extra)\b", text[v.end :]) or re.search(
            r"\b(?:another|a further|an additional|an extra)\s+$", text[: v.start]):
        scope |= {"increment"}  # "128 more raids" adds to a count; it is not the count
    kind = _kind(v.label)
    number, resolution, unit = None, 0.0, ""
    if kind == "number":
        head, _, noun = v.norm.partition("|")
        try:
            number = float(head)
        except ValueError:
            return None
        scale = SCALE_SUFFIX.match(text, v.end)
        if scale and not re.search(r"[a-z]$", v.text):
            number *= {"k": 1e3, "m": 1e6, "bn": 1e9, "tn": 1e12}[scale.group(1)]
            v = Value(v.text + scale.group(1), v.label, v.norm, v.start,
                      v.end + len(scale.group(1)))
        resolution = _resolution(v.text, number)
        unit = _unit(v, noun, text)
        if not unit and v.label == "CARDINAL" and a.focus_noun \
                and _SYNONYMS.get(a.focus_noun) == "peopl":
            unit = "peopl"  # "352 were injured" counts people
    elif kind == "rank":
        number = _ordinal(v.text)
        if number is None:
            return None
        unit = "rank"
    start = max(0, v.start - 24) + hedge.start(1) if hedge else v.start
    if not hedge:
        start -= len(currency_sign(text, v.start))  # "£304m", not "304m"
    shown = text[start : v.end].strip(" ,;:")
    if kind == "number" and a.focus_noun:
        follows = re.match(r"(?:\s+[\w’'-]+){1,3}", text[v.end:])
        want = _SYNONYMS.get(a.focus_noun, a.focus_noun)
        nouns = [_SYNONYMS.get(w, w) for w in stems(follows.group(0))] if follows else []
        if follows and want in nouns and v.label == "CARDINAL":
            words = follows.group(0).split()
            keep = next(i for i, w in enumerate(words, 1)
                        if want in [_SYNONYMS.get(x, x) for x in stems(w)])
            shown = f"{shown} {' '.join(words[:keep])}"
    return Reading(s, v, shown, kind, unit, number, resolution, op, scope, _acts(text, v))


def _resolution(written: str, number: float) -> float:
    """The step of the last written digit, in the value's own units ("9.37bn" → 0.01e9)."""
    m = re.search(r"\d[\d,]*(?:\.(\d+))?", written)
    if not m:
        return 0.0
    mantissa = float(m.group(0).replace(",", ""))
    scale = number / mantissa if mantissa else 1.0
    decimals = len(m.group(1) or "")
    return (10.0 ** -decimals) * scale


def _unit(v: Value, noun: str, text: str) -> str:
    if v.label == "MONEY":
        return money_unit(v, text) or "money"
    if v.label == "PERCENT":
        return "%"
    if v.label == "QUANTITY":
        words = re.findall(r"[A-Za-z]+", v.text)
        return words[-1].lower() if words else ""
    key = stems(noun)[-1] if noun and stems(noun) else ""
    return _SYNONYMS.get(key, key)


def _ordinal(text: str) -> float | None:
    low = text.lower()
    m = re.search(r"(\d+)(?:st|nd|rd|th)\b", low)
    if m:
        return float(m.group(1))
    for word, n in _ORDINALS.items():
        if word in low:
            return float(n)
    return None


def misread(text: str, v: Value) -> bool:
    """``v`` is part of a name, a model or a partitive, or a count of another noun."""
    return _in_name(text, v) or (v.label == "CARDINAL" and _adjective_count(text, v))


def _adjective_count(text: str, v: Value) -> bool:
    """"270 Russian military personnel" counts personnel, not Russians: a singular capitalised
    word after the number, followed by a lowercase noun-shaped word, is an adjective."""
    m = re.match(r"\s+[A-Z][a-z]+[^s\W]\s+([a-z]+)\b", text[v.end :])
    return bool(m and not re.fullmatch(r"and|or|of|to|in|on|at|by|for|from|with|as|were|was|"
                                       r"are|is|had|has|have|who|which|that|\w+ed|\w+ing",
                                       m.group(1)))


def _in_name(text: str, v: Value) -> bool:
    """A year or number that is part of a name or a model ("the 2018 Winter Games",
    "737-800", "A380") or a partitive ("one of the raids"), not a value."""
    nxt = text[v.end : v.end + 2]
    prev = text[max(0, v.start - 1) : v.start]
    if re.match(r"-\d|\d", nxt) or (prev and (prev.isalnum() or prev == "-")):
        return True
    if re.match(r"\s+of\s+(?:the|its|their|his|her|these|those)\b", text[v.end :]):
        return True  # "one of the raids" picks one out; it counts nothing
    if v.label in TEMPORAL and re.fullmatch(r"(?:the\s+)?(?:19|20)\d\d", v.text.strip()):
        return bool(re.match(r"\s+[A-Z][a-z]", text[v.end :]))
    return False


def _contrast_words(text: str, question: str) -> frozenset[str]:
    """Members of a contrast set the sentence uses and the question does not."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    asked = set(re.findall(r"[a-z]+", question.lower()))
    return frozenset(w for group in _CONTRAST_SETS for w in group & words
                     if not group & asked)


def day_of(v: Value) -> str:
    """ISO day (or year) a date value names: its norm, or a bare year as written."""
    year = re.fullmatch(r"(?:in\s+)?((?:1[5-9]|20)\d\d)", v.text.strip())
    return v.norm or (year.group(1) if year else "")
