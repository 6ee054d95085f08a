"""Which values may lead an answer: filters over the candidate values of a witness.

A value of the asked type near the question's focus is still no answer when it only modifies
a noun ("freed from *US* custody"), names the outlet that reports ("according to *the
Financial Times*"), is the day something was *said*, converts another amount in brackets
("$6bn (*£3.2bn*)"), is an old or outgoing one when the question asks for the new one, is a
relative change for a count ("40 percent *fewer*"), or comes from a sentence about another
place or day than the one asked. The dependency parse of a witness is read here, at question
time, for a handful of sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from index.answer.analysis import AGENTS, NUMERIC, PLACES, TEMPORAL, Analysis, parse_texts
from index.answer.question import stems, verb_stems
from index.answer.witness import mentions


def names_focus(text: str, v: Any, a: Analysis) -> bool:
    """"2 million Zephyr phones" counts phones, the asked noun: the capitalised word between
    is a model name, not the thing counted ("270 Russian military personnel")."""
    m = re.match(r"\s+[A-Z][\w-]*\s+([a-z]+)", text[v.end :])
    return bool(a.focus_noun and m and stems(m.group(1))[-1:] == [a.focus_noun])


def elsewhere(s: Any, a: Analysis) -> bool:
    """The sentence names another place or time than the one the question narrows to, and
    not that one ("sold 10 million in Japan" for "how many … in the US")."""
    if not a.labels & NUMERIC:
        return False
    for text, label in a.scope:
        if mentions(s.text, text):
            continue
        kinds = TEMPORAL if label == "DATE" else frozenset({"GPE", "LOC"})
        if any(lab in kinds for _, _, lab, _ in s.ann):
            return True
    return False


def nearest_other(s: Any, v: Any, a: Analysis) -> bool:
    """A figure whose nearest name of an asked name's kind is another one: "40% of Lindvik
    commuters …, while in Ostby the share is 25%" gives 25% for Ostby; "Eleven people were
    killed … in Varna …, while four people died … in Burgas" gives four for Burgas."""
    if not a.labels & NUMERIC:
        return False
    for label in {lab for _, lab in a.labels_of if lab in _SCOPED}:
        asked = [n for n, lab in a.labels_of if lab == label and mentions(s.text, n)]
        spans = [(st + s.ann_offset, en + s.ann_offset) for st, en, lab, _ in s.ann
                 if lab == label]
        lo, hi = _clause_of(s.text, v)
        own = [(st, en) for st, en in spans if lo <= st and en <= hi] or spans
        if not asked or not own:
            continue
        st, en = min(own, key=lambda se: min(abs(se[0] - v.end), abs(v.start - se[1])))
        if not any(mentions(s.text[st:en], n) for n in asked):
            return True
    return False


def _outgoing(text: str, v: Any, a: Analysis, question: str) -> bool:
    """The name is called the outgoing holder of the asked role: "George Zanias, the
    *departing* finance minister", "his *previous* adviser, JPMorgan" — a marker right before
    a word of the question or the asked act's doer noun (not "WorldCom's former number two")."""
    asked = set(stems(question)) | ({stems(a.focus_verb + "er")[-1]} if a.focus_verb else set())
    for m in _OUTGOING.finditer(text[max(0, v.start - 40) : v.end + 40]):
        after = stems(" ".join(re.findall(r"[\w’'-]+", m.string[m.end() :])[:3]))
        if set(after) & asked:
            return True
    return False


def _clause_of(text: str, v: Any) -> tuple[int, int]:
    """Offsets of the clause holding ``v``: cut at semicolons and at ", while/whereas/but"."""
    cuts = [0, *(m.start() for m in _CLAUSE_CUT.finditer(text)), len(text)]
    lo = max(c for c in cuts if c <= v.start)
    return lo, min(c for c in cuts if c >= v.end)


def keep_for(s: Any, a: Analysis, question: str) -> Callable[[Any], bool]:
    """Values that cannot answer whatever sits nearest the focus: a name that only modifies a
    noun or is the source of a report (who / where), the day something was *said* (when), a
    relative change (how many), an amount converted into another currency in brackets."""
    own = bool(_POSSESSIVE_ASKED.search(question))  # "which company's data": the owner

    def keep(v: Any) -> bool:
        if v.label in AGENTS and not _OUTGOING.search(question) and _outgoing(s.text, v, a,
                                                                           question):
            return False  # "George Zanias, the departing finance minister", "his previous
            # adviser, JPMorgan": not who holds it (unless the question asks for the old one)
        if v.label in AGENTS | PLACES and a.labels <= AGENTS | PLACES:
            if v.label == "ORG" and a.focus_verb not in _REPORTING and (
                    _SOURCE.match(s.text, v.end)
                    or _ACCORDING.search(s.text[max(0, v.start - 20) : v.start])):
                return False  # "the Financial Times reported …" is the source, not the answer
            return not _attributive(s.text, v, possessive=not own)
        if v.label in TEMPORAL and a.focus_verb not in _REPORTING:
            return not _REPORTED_ON.search(s.text[max(0, v.start - 30) : v.start])
        if v.label in NUMERIC and (NEW.search(question) or _AHEAD.search(question)
                                   or any(lab == "DATE" for _, lab in a.scope)):
            # "up from £4.85", "currently costs £12, but will rise to £15 in September"
            before = s.text[max(0, v.start - 25) : v.start]
            if _EARLIER.search(before) or CURRENTLY.search(before) \
                    or ORIGINAL.search(s.text[max(0, v.start - 60) : v.start]):
                return False  # ("the first TV deal … was worth £304m")
        if v.label == "PERCENT" and "CARDINAL" in a.labels:
            return not _RELATIVE.match(s.text, v.end)  # "sold 40 percent fewer" is no count
        if v.label == "MONEY" and not a.currency:  # "$6bn (£3.2bn)": the second converts
            return not _CONVERTED.search(s.text[max(0, v.start - 30) : v.start])
        return True

    return keep


_POSSESSIVE_ASKED = re.compile(r"\b(?:which|what)\s+\w+['’]s\b|\bwhose\b", re.IGNORECASE)
_REPORTING = frozenset(verb_stems("say tell announce report confirm add state"))
_REPORTED_ON = re.compile(
    r"\b(?:said|says|told|announced|reported|confirmed|added|stated)\s+(?:on\s+)?$")
_SOURCE = re.compile(r"\s+(?:has\s+|had\s+)?(?:said|says|reported|reports|told|wrote|writes|"
                     r"claimed|claims)\b")
CONSEQUENCE = re.compile(r"\b(?:as a result|as a consequence|because of this|because of that|"
                          r"for this reason|for that reason|consequently|therefore)\b",
                          re.IGNORECASE)
NEW = re.compile(r"\b(?:new|latest|newest|revised)\b")  # (lowercase: not "New Democracy")
ORIGINAL = re.compile(r"\b(?:first|original|originally|initial|initially|previous|former)\b",
                       re.IGNORECASE)
_AHEAD = re.compile(r"\b(?:will|next|future|going to|from now)\b", re.IGNORECASE)
_OUTGOING = re.compile(r"\b(?:departing|outgoing|former|previous|caretaker|interim|ex-|"
                       r"predecessor|retiring)", re.IGNORECASE)
CURRENTLY = re.compile(r"\b(?:currently|at present|presently)\b", re.IGNORECASE)
_EARLIER = re.compile(r"\b(?:up|down|rising|falling|increased|cut|raised) from\s+$|"
                      r"\b(?:previously|formerly|originally)\b[^.]{0,15}$", re.IGNORECASE)
_ACCORDING = re.compile(r"\baccording to\s+$", re.IGNORECASE)
_CONVERTED = re.compile(r"\d[\d.,]*\s*(?:m|bn|k|tn|million|billion)?\s*\(\s*(?:about\s+|"
                        r"around\s+)?[A-Z]*\$?[£€¥$]?$")
_RELATIVE = re.compile(r"\s+(?:fewer|more|less|higher|lower)\b")
_MODIFIED = frozenset({"compound", "amod", "nmod"})
_CLAUSE_CUT = re.compile(r";|,?\s+\b(?:while|whereas|but)\b")
_SCOPED = frozenset({"GPE", "LOC", "FAC"})  # places a figure can be "in" or "of"


def _attributive(text: str, v: Any, *, possessive: bool = True) -> bool:
    """The name modifies a noun after it ("freed from US custody", "London-based ex-travel
    agent", with ``possessive`` also "Malaysia's prime minister"): it names no place and no
    agent (read from the sentence's dependency parse)."""
    if text[v.end : v.end + 1] in "-‑":
        return True
    doc = _parsed(text)
    span = doc.char_span(v.start, v.end, alignment_mode="expand")
    if span is None:
        return False
    root = span.root
    modifies = root.dep_ in _MODIFIED or (possessive and root.dep_ == "poss")
    return modifies and root.head.i >= span.end and root.head.pos_ == "NOUN"


@lru_cache(maxsize=256)
def _parsed(text: str) -> Any:
    return parse_texts([text])[0]
