"""Witnesses: each article's best sentence for a question, and the typed value it states.

A value is read from the entities annotated at ingest (no parsing at query time). It counts
only when it has the type the question asks for, is not a word of the question, and is tied to
the question's focus: a number that counts the asked noun ("17 workers" for "how many
workers"), or — without such a noun — the value nearest to where the sentence uses the
question's verb. A sentence that never uses the question's verb ("hired 25 drivers" for "how
many drivers were laid off") yields no value: a wrong lead is worse than none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from index.answer.analysis import (
    AGENTS,
    NUMERIC,
    PLACES,
    TEMPORAL,
    Analysis,
    currency_code,
)
from index.answer.question import stems, verb_stem

_WORD = re.compile(r"[\w’'-]+")
_DURATION = re.compile(
    r"\b(?:\d[\d,.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|sixty|hundred|several|few|many|some|half)(?:[\s-]+\w+)?"
    r"[\s-]+(?:seconds?|minutes?|hours?|days?|weeks?|fortnights?|months?|years?|decades?|"
    r"centuries|century)\b",
    re.IGNORECASE,
)
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ian|ean|ese|ish|i)$")  # "Ukrainian": no place
_LOCATIVE = re.compile(
    r"\b(?:in|at|near|from|to|outside|inside|across|off|around|into|towards?|through|over|"
    r"within|along|beyond|of)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


TITLES = frozenset(stems("mr mrs ms dr sir lord lady president minister"))


class Evidence(Protocol):
    """What a witness needs of a scored sentence (``compose.Sentence``)."""

    text: str
    score: float
    ann: list[list[Any]]
    ann_offset: int

    @property
    def article_id(self) -> str: ...


@dataclass(frozen=True)
class Value:
    """A typed value stated by a witness: its text as written, entity label, normalised form
    (``annotate`` norms: ISO day, ``number|noun``) and offsets in the sentence text."""

    text: str
    label: str
    norm: str
    start: int
    end: int


def witnesses(sentences: list[Any], *, floor: float = 0.0) -> list[Any]:
    """The best-scoring sentence of each article, best first (``sentences`` sorted by score)."""
    seen: set[str] = set()
    out: list[Any] = []
    for s in sentences:
        if s.score < floor or s.article_id in seen:
            continue
        seen.add(s.article_id)
        out.append(s)
    return out


def _positions(text: str, stem: str) -> list[int]:
    """Character offsets of the words of ``text`` whose (verb) stem is ``stem``."""
    return [m.start() for m in _WORD.finditer(text) if verb_stem(m.group(0)) == stem]


def mentions(text: str, name: str) -> bool:
    """``text`` names ``name``: all its content words, or — for a name of several words — its
    last one ("Mr Livingstone" names Ken Livingstone), case-insensitively."""
    want = stems(name)
    have = set(stems(text))
    return bool(want) and (set(want) <= have or (len(name.split()) > 1 and want[-1] in have))


def typed_values(s: Evidence, a: Analysis, question_stems: set[str]) -> list[Value]:
    """Entities of ``s`` with a label the question asks for and not a word of the question."""
    out: list[Value] = []
    named = {w for n in a.named for w in stems(n)} - TITLES
    for start, end, label, norm in s.ann:
        start, end = start + s.ann_offset, end + s.ann_offset
        if label == "CARDINAL" and "MONEY" in a.labels and currency_after(s.text, end):
            label = "MONEY"  # "260.75bn roubles": an amount, by its currency word
        if label not in a.labels:
            continue
        text = s.text[start:end]
        words = set(stems(text)) - TITLES
        if words and words <= question_stems:
            continue  # "Paris" for "what happened in Paris" is the question, not the answer
        if label not in NUMERIC | TEMPORAL and words & named:
            continue  # "Guantanamo Bay" for "the Guantanamo Britons": the question's own name
        if a.duration and not _DURATION.search(text):
            continue  # "yesterday" is a day, not how long something lasts
        if a.labels <= PLACES and (
            not _LOCATIVE.search(s.text[max(0, start - 24) : start]) or _DEMONYM.match(text)
        ):
            continue  # a "where" answer follows "in/at/near …"; "Ukrainian delegations" is none
        value = Value(text, label, str(norm), start, end)
        if a.currency and label == "MONEY" and money_unit(value, s.text) != a.currency:
            continue  # "worth in pounds": the dollar figure beside it is not the answer
        out.append(value)
    return out


_SIGN = r"A\$|AU\$|US\$|[$£€¥]"
SCALE_SUFFIX = re.compile(r"(m|bn|k|tn)\b")
"""A scale the entity left out: "£304m" is often tagged as "304"."""


def currency_sign(text: str, at: int) -> str:
    """The currency sign written right before offset ``at`` ("$", "A$", "£"), or ""."""
    m = re.search(rf"(?:{_SIGN})$", text[max(0, at - 3) : at])
    return m.group(0) if m else ""


def money_unit(v: Value, text: str) -> str:
    """The currency written with an amount: a symbol right before the number or inside the
    entity, else a currency word right after it ("260.75bn roubles"); "" if none."""
    m = re.search(rf"({_SIGN})\s*$", text[max(0, v.start - 3) : v.start])
    return currency_code(m.group(1) if m else v.text) or currency_after(text, v.end)


def currency_after(text: str, at: int) -> str:
    """The currency word right after offset ``at`` ("roubles", "US dollars"), or "": the
    nearest word first, so "260.75bn roubles ($9.37bn)" is in roubles."""
    after = text[at : at + 25].split()
    return (currency_code(after[0]) if after else "") or currency_code(" ".join(after[:2]))


def value_of(
    s: Evidence, a: Analysis, question_stems: set[str],
    keep: Callable[[Value], bool] | None = None,
) -> Value | None:
    """The value ``s`` gives for the question, when it is tied to the focus (else None);
    ``keep`` drops candidates before the closest to the focus is chosen."""
    values = [v for v in typed_values(s, a, question_stems) if keep is None or keep(v)]
    if not values or (a.labels & NUMERIC and not (a.focus_noun or a.focus_verb)):
        return None  # (a number tied to nothing the question names is no answer)
    if a.focus_verb and a.labels <= AGENTS:
        held = _doer(s.text, a.focus_verb, values)
        if held is not None:  # "Alexis Tsipras, Syriza's leader" for "who leads Syriza"
            return held
    if a.labels == {"PERCENT"} and a.focus_noun:  # "60% of Yukos' output": the share asked,
        of = [v for v in values  # whatever verb the sentence uses ("produced", "came from")
              if stems(" ".join(_WORD.findall(s.text[v.end : v.end + 30])[:4]))[:3].count(
                  a.focus_noun)]
        return of[0] if of else None
    verb_at = _positions(s.text, a.focus_verb) if a.focus_verb else []
    if verb_at and a.complement and a.labels <= PLACES | TEMPORAL:
        # "when did X become prime minister": not where it "became Lord Callaghan"
        verb_at = [p for p in verb_at
                   if set(a.complement) & set(stems(" ".join(_WORD.findall(s.text[p:])[:8])))]
    if a.focus_verb and not verb_at:
        # the sentence is about another act — unless it names the asked role's holder in so
        # many words ("Texas Judge Letitia Clark" for "which judge threw out …")
        return _titled(s.text, a, values)
    if a.focus_noun and a.labels & NUMERIC:
        kinds = {w for n in (*a.nationalities, *a.qualifiers) for w in stems(n)}
        of_kind = [v for v in values
                   if set(stems(" ".join(_WORD.findall(s.text[v.end : v.end + 20])[:1]))) & kinds]
        if of_kind:  # "227 passengers, including 153 Chinese": 153 for "how many Chinese …"
            return of_kind[0]
        if values and kinds & set(stems(s.text[values[0].end :])):
            return None  # "227 passengers …, many of them Chinese": the whole, not the part
        counted = [v for v in values
                   if v.norm.partition("|")[2] and stems(v.norm.partition("|")[2])[-1:] ==
                   [a.focus_noun]]
        near = [v for v in values if _noun_after(s.text, v, a.focus_noun)
                or (v.label == "MONEY" and a.focus_noun in stems(s.text[max(0, v.start - 40)
                                                                        : v.start]))]
        values = counted or near
        if not values:
            return None
    anchors = verb_at or (
        [m.start() for m in _WORD.finditer(s.text) if stems(m.group(0))[-1:] == [a.focus_noun]]
        if a.focus_noun and not a.labels & NUMERIC else []
    )
    if a.focus_noun and not a.labels & NUMERIC and not a.focus_verb and not anchors:
        return None  # "who was the mastermind": a sentence that never says "mastermind"
    if a.labels <= PLACES | TEMPORAL and not verb_at and not (anchors and a.copula):
        # where/when: tied to the asked act, or — "where is X" — to X; else the first place
        # or day in the sentence is a guess ("returned to the UK" for "where were they taken")
        return None
    if anchors:
        # a value that holds the anchor word is no answer to it ("Man Utd" for "who was man
        # of the match")
        values = [v for v in values if not any(v.start <= p < v.end for p in anchors)]
        if not values:
            return None
        return min(values, key=lambda v: min(abs(v.start - p) for p in anchors))
    return values[0]


COPULAS = frozenset("is are was were be been being become becomes became remains".split())
def _noun_after(text: str, v: Value, noun: str) -> bool:
    """The asked noun follows the value within 40 characters, not across a purpose clause
    ("sold for $9.3bn *to offset* a back tax bill": $9.3bn is no amount of the bill)."""
    after = text[v.end : v.end + 40]
    if noun not in stems(after):
        return False
    words = _WORD.findall(after)
    at = next(i for i, w in enumerate(words) if stems(w)[-1:] == [noun]) if any(
        stems(w)[-1:] == [noun] for w in words) else len(words)
    return not any(w.lower() == "to" and i + 1 < at for i, w in enumerate(words[:at]))


def _doer(text: str, verb: str, values: list[Value]) -> Value | None:
    """The name beside the asked act's doer noun ("leader" for lead, "founder" for found),
    with nothing but copulas and modifiers between ("Alexis Tsipras, Syriza's leader",
    "the leader of Syriza, Alexis Tsipras")."""
    doers = {stems(verb + suffix)[-1] for suffix in ("er", "or") if stems(verb + suffix)}
    at = [m for m in _WORD.finditer(text) if stems(m.group(0))[-1:] and
          stems(m.group(0))[-1] in doers]
    best: tuple[int, Value] | None = None
    for v in values:
        for m in at:
            lo, hi = (v.end, m.start()) if v.end <= m.start() else (m.end(), v.start)
            between = _WORD.findall(text[lo:hi])
            if len(between) > 6 or any(w.lower() not in COPULAS and _verb_like(w)
                                       for w in between):
                continue
            if best is None or len(between) < best[0]:
                best = (len(between), v)
    return best[1] if best else None


def _titled(text: str, a: Analysis, values: list[Value]) -> Value | None:
    """A name right after the asked role noun ("Judge Letitia Clark", "chief executive Jim
    Skinner"), for a who/which question about that role."""
    if not a.focus_noun or not a.labels <= AGENTS:
        return None
    for v in values:
        before = _WORD.findall(text[max(0, v.start - 30) : v.start])
        if before and stems(before[-1])[-1:] == [a.focus_noun]:
            return v
    return None


_FINITE = frozenset("is are was were has have had said says will would could".split())


def clause_distance(
    s: Evidence, a: Analysis, v: Value, ignore: frozenset[str] = frozenset()
) -> int:
    """How many verb-like words stand between the question's anchor (its verb, else its noun)
    and the value: 0 when the value sits in the anchor's own clause ("exchanged … at a border
    point near Belarus"), more when it belongs to another predicate ("The exchange was part
    of a deal struck … in Istanbul"). Words in ``ignore`` (copulas) do not count."""
    anchor = a.focus_verb or a.focus_noun
    if not anchor:
        return 0
    words = list(_WORD.finditer(s.text))
    at = [i for i, m in enumerate(words)
          if verb_stem(m.group(0)) == anchor or stems(m.group(0))[-1:] == [anchor]]
    vi = next((i for i, m in enumerate(words) if m.start() >= v.start), len(words))
    if not at:
        return len(words)
    best = len(words)
    for i in at:
        lo, hi = sorted((i, vi))
        between = [m.group(0) for m in words[lo + 1 : hi]]
        best = min(best, sum(1 for w in between if w.lower() not in ignore and _verb_like(w)))
    return best


def _verb_like(word: str) -> bool:
    """A finite verb, an irregular form ("went"), or a regular past ("rented", "was
    intercepted"): enough to tell one clause from the next without a parse."""
    low = word.lower()
    if low in _FINITE or (low.endswith("ed") and len(low) > 4 and low.isalpha()):
        return True
    return verb_stem(low) != stems(low)[-1:][0] if stems(low) else False

