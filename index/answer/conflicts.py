"""Quantities in a sentence: a number with the noun phrase that follows it ("390 Ukrainians",
"2,000 people"), keyed by the stemmed head noun. ``evidence`` uses them as a cue that a
sentence counts what a "how many" question asks for; sources are compared in ``compare``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import alpha2digit

from index.understand.question import stems

_NUM = re.compile(
    r"(?P<hedge>\b(?:nearly|almost|around|about|approximately|roughly|some|over|more than|"
    r"fewer than|less than|at least|up to|close to)\s+)?"
    r"(?<![\w.,])(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w.,]*\d)(?!st|nd|rd|th|%)"
    r"(?P<tail>(?:\s+[A-Za-z][\w’'-]*){1,4})?",
    re.IGNORECASE,
)
_STOP_TAIL = frozenset(
    """and or of from to in on at by for with from each per who which that than as have has had
    were was are is be been will would returned freed released repatriated swapped exchanged
    killed said the a an since this these those""".split()
)
_SYNONYMS = {
    "individu": "peopl", "person": "peopl", "peopl": "peopl", "detaine": "prison",
    "prison": "prison", "captiv": "prison",
}
_YEARISH = re.compile(r"^(1[89]\d\d|20\d\d)$")
# "The number of workers injured … has risen to 31": the counted noun written before the
# figure, in the same clause (no other figure, no sentence break between them).
_NUMBER_OF = re.compile(r"\bnumber of (?:the |those )?([A-Za-z][\w-]*)(?=[^\d;:.]*$)",
                        re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    value: float
    text: str  # the number as written plus its noun phrase, e.g. "270 Ukrainians"
    key: str  # stemmed head noun, synonyms merged
    hedged: bool
    at: int = 0  # where the number starts in the sentence
    noun_after: bool = True  # "270 Ukrainians"; False: "the number of workers … is 31"


def spelled(text: str) -> str:
    """``text`` with its spelled-out numbers as digits, for reading values only (quotes stay
    as written): "Fifteen people" → "15 people", "two hundred and fifty" → "250" (text2num;
    ordinals become "3rd", which no count pattern reads)."""
    return str(alpha2digit(text, "en", threshold=0))


def quantities(sentence: str) -> list[Quantity]:
    out: list[Quantity] = []
    for m in _NUM.finditer(sentence):
        num = m.group("num")
        words: list[str] = []
        for w in (m.group("tail") or "").split():
            if w.lower() in _STOP_TAIL or w.lower().endswith("ed"):
                break
            words.append(w.strip("’'"))
        if words:
            if _YEARISH.match(num) and words[0][:1].isupper() is False and len(words) > 2:
                continue
            head, text = stems(words[-1]), f"{num} {' '.join(words)}"
        else:  # no noun after it: a "number of X" before it, in its clause
            before = _NUMBER_OF.search(sentence[: m.start("num")])
            head = stems(before.group(1)) if before and not _YEARISH.match(num) else []
            text = num
        if not head:
            continue
        out.append(Quantity(float(num.replace(",", "")), text, _SYNONYMS.get(head[0], head[0]),
                            bool(m.group("hedge")), m.start("num"), noun_after=bool(words)))
    return out
