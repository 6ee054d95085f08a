"""Pure scoring for ``newsqa eval``: answer matching (entities with aliases, yes/no verdicts,
refusals), evidence recall/precision by file, and the verbatim check of a quote against its
source. No I/O, so each rule is unit-tested on its own (tests/test_evaluate.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from index.text import display

NULL_TYPE = "null_query"
VERDICT_TYPES = ("comparison_query", "temporal_query")
TYPE_ORDER = ("inference_query", "comparison_query", "temporal_query", NULL_TYPE)
INSUFFICIENT = "Insufficient information."  # the gold answer of an unanswerable question

# Short forms a correct answer may use instead of the full gold name (keys are normalised).
ALIASES: dict[str, tuple[str, ...]] = {
    "sam bankman fried": ("sbf", "bankman fried"),
    "sam altman": ("altman",),
    "minnesota vikings": ("vikings",),
    "everton football club": ("everton",),
    "diablo 4": ("diablo iv",),
}

REFUSAL = re.compile(
    r"insufficient information|not enough information|cannot (?:be )?determine|"
    r"can ?not (?:be )?answer|no information|not (?:mentioned|provided|available) in|"
    r"unable to (?:answer|find)|(?:could|can) ?not find|couldn'?t find|don'?t have|"
    r"do not (?:contain|have)",
    re.IGNORECASE,
)

# Verdict words with an opposite: the gold class is matched on the first one said, and
# "not consistent" counts as "inconsistent" (and vice versa).
OPPOSITES: dict[str, str] = {
    "consistent": "inconsistent", "inconsistent": "consistent",
    "agree": "disagree", "disagree": "agree",
    "before": "after", "after": "before",
    "same": "different", "different": "same",
}
NEGATIONS = frozenset({"not", "no", "never", "isnt", "wasnt", "arent", "werent", "dont",
                       "doesnt", "didnt", "neither", "nor"})

_ARTICLES = frozenset({"a", "an", "the"})
_POSSESSIVE = re.compile(r"['\u2019]s\b")
_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WS = re.compile(r"\s+")
# "yes/no", "true or false" name the question's form, they are not a verdict.
_FORM = re.compile(r"\b(?:yes\s*(?:/|or)\s*no|no\s*(?:/|or)\s*yes|true\s*(?:/|or)\s*false)\b",
                   re.IGNORECASE)


# -- pure scoring --------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """NFKD → ASCII, lowercase, punctuation and articles dropped, single spaces.

    A possessive 's goes ("Altman's" → "altman"); other apostrophes vanish rather than split
    words ("don't" → "dont"), so negations stay one token.
    """
    text = _APOSTROPHES.sub("", _POSSESSIVE.sub("", text))
    text = unicodedata.normalize("NFKD", text)
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    words = _NON_WORD.sub(" ", text).split()
    return " ".join(w for w in words if w not in _ARTICLES)


def contains(haystack: str, needle: str) -> bool:
    """Whole-word containment of ``needle`` in ``haystack``; both already normalised."""
    return bool(needle) and f" {needle} " in f" {haystack} "


def gold_key(gold: str) -> str:
    """Normalised gold answer (the trailing period goes with the punctuation)."""
    return normalize(gold)


def golds_of(question: dict[str, Any]) -> list[str]:
    """Acceptable gold strings: ``answer`` (a string, or a list of alternatives) + ``accept_also``.

    Empty strings are dropped; a non-list ``accept_also`` counts as one alternative.
    """
    def as_list(value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value]

    found = [*as_list(question.get("answer")), *as_list(question.get("accept_also") or [])]
    return list(dict.fromkeys(s for x in found if x is not None and (s := str(x).strip())))


def is_unanswerable(question: dict[str, Any]) -> bool:
    """``answerable`` is false, the type is ``null_query`` or the gold is "Insufficient
    information." — whatever the set calls its type (news set: ``unanswerable``)."""
    return (
        question.get("answerable") is False
        or question.get("type") == NULL_TYPE
        or any(gold_key(g) == gold_key(INSUFFICIENT) for g in golds_of(question))
    )


def inference_hit(answer: str, gold: str, *, aliases: bool = False) -> bool:
    """Entity answers: the gold name (or, with ``aliases``, a known short form) is in the answer."""
    text, key = normalize(answer), gold_key(gold)
    if contains(text, key):
        return True
    return aliases and any(contains(text, a) for a in ALIASES.get(key, ()))


def first_statement(text: str) -> str:
    """What a reader sees first: the answer up to its first citation mark ("[1]")."""
    return re.split(r"\[\d+\]", text, maxsplit=1)[0]


def first_sentence(text: str) -> str:
    parts = _SENTENCE_END.split(text.strip(), maxsplit=1)
    return parts[0] if parts else ""


def verdict(answer: str) -> str | None:
    """``"yes"``/``"no"`` from the first yes/no/true/false word in the first sentence."""
    for word in normalize(_FORM.sub(" ", first_sentence(answer))).split():
        if word in ("yes", "true"):
            return "yes"
        if word in ("no", "false"):
            return "no"
    return None


def gold_class(gold: str) -> str | None:
    """``"yes"``/``"no"`` for yes/no-like gold answers, ``None`` for the others."""
    key = gold_key(gold)
    if key in ("yes", "true"):
        return "yes"
    if key in ("no", "false"):
        return "no"
    return None


def _negated(words: list[str], i: int) -> bool:
    return any(w in NEGATIONS for w in words[max(0, i - 2) : i])


def word_hit(answer: str, gold: str) -> bool:
    """Non-yes/no gold answers: whole-word match with a negation guard.

    Closed verdict words (consistent, agree, before, …) are read from the first sentence and
    the first one said decides, so "inconsistent" never counts as "consistent" and "not
    consistent" counts as "inconsistent". Other answers (an outlet name) may appear anywhere,
    but not right after a negation.
    """
    key = gold_key(gold)
    if key in OPPOSITES:
        words = normalize(first_sentence(answer)).split()
        for i, w in enumerate(words):
            if w in (key, OPPOSITES[key]):
                said = OPPOSITES[w] if _negated(words, i) else w
                return said == key
        return False
    words = normalize(answer).split()
    n = len(key.split())
    for i in range(len(words) - n + 1):
        if " ".join(words[i : i + n]) == key and not _negated(words, i):
            return True
    return False


def verdict_hit(answer: str, gold: str) -> bool:
    """Comparison/temporal questions: yes/no verdict, or ``word_hit`` for other gold answers."""
    cls = gold_class(gold)
    if cls is None:
        return word_hit(answer, gold)
    return verdict(answer) == cls


def is_refusal(answer: str, refused: bool = False) -> bool:
    """The bot declined: its own ``refused`` flag, or refusal wording in the text."""
    return refused or bool(REFUSAL.search(answer))


def answer_hit(
    qtype: str,
    answer: str,
    gold: str | Sequence[str],
    refused: bool,
    *,
    aliases: bool = True,
    answerable: bool | None = None,
) -> bool:
    """Whether one answer is correct: an unanswerable question must be refused; otherwise any
    one of the acceptable ``gold`` strings must match (yes/no verdict for comparison/temporal
    types, entity containment for the others) and the answer must not be a refusal.

    ``answerable`` defaults to: not ``null_query`` and not gold "Insufficient information.".
    """
    golds = [gold] if isinstance(gold, str) else list(gold)
    if answerable is None:
        answerable = not is_unanswerable({"type": qtype, "answer": golds})
    if not answerable:
        return is_refusal(answer, refused)
    if is_refusal(answer, refused):
        return False
    if qtype in VERDICT_TYPES:
        return any(verdict_hit(answer, g) for g in golds)
    return any(inference_hit(answer, g, aliases=aliases) for g in golds)


def recall(found: Iterable[str], gold: Iterable[str]) -> float | None:
    """|found ∩ gold| / |gold|, ``None`` when there is no gold evidence."""
    gold_set = set(gold)
    if not gold_set:
        return None
    return len(set(found) & gold_set) / len(gold_set)


def precision(found: Iterable[str], gold: Iterable[str]) -> float | None:
    """|found ∩ gold| / |found|, ``None`` when nothing was found."""
    found_set = set(found)
    if not found_set:
        return None
    return len(found_set & set(gold)) / len(found_set)


def ws_normalize(text: str) -> str:
    return _WS.sub(" ", text).strip()


def is_verbatim(quote: str, source_text: str) -> bool:
    """Every line of the quote (a table row's quote is its header line and the row) occurs in
    its source as displayed (``index.text.display``: entities decoded, Markdown marks dropped,
    whitespace collapsed); nothing else is forgiven."""
    shown = ws_normalize(display(source_text))
    lines = [ws_normalize(line) for line in quote.split("\n")]
    return bool(quote.strip()) and all(line in shown for line in lines if line)
