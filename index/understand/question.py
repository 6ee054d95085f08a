"""Reading a question: cleaning, answer type, keywords, key entities; follow-ups are resolved
by ``index.understand.followup``."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import Enum

from index.text import normalize
from index.types import Turn
from index.understand.followup import resolve
from index.understand.words import STOPWORDS, stems

MAX_QUESTION_CHARS = 1000

_TAG = re.compile(r"<[^>]{0,200}>")
_ENTITY = re.compile(r"\b(?:[A-Z][\w'’&.-]*|\d[\d,.]*\d|\d)\b")

_QUESTION_CAPS = frozenset(
    "Who What When Where Which Why How Is Are Was Were Do Does Did Has Have Had Can Could Will "
    "Would Should And But Or According Based Tell Please The A An In On Of For".split()
)


class QType(str, Enum):
    NUMBER = "number"
    DATE = "date"
    NAME = "name"
    PLACE = "place"
    YESNO = "yesno"
    QUOTE = "quote"
    OTHER = "other"


@dataclass(frozen=True)
class Question:
    raw: str
    text: str  # cleaned (HTML stripped, whitespace collapsed, capped)
    resolved: str  # after follow-up resolution; what retrieval sees
    qtype: QType
    keywords: tuple[str, ...]  # stems of content words
    entities: tuple[str, ...]  # stems of names/numbers the answer must mention
    wants_latest: bool
    target: str | None = None  # stem of the noun a "how many X" question counts
    dates: tuple[str, ...] = ()  # ISO days the question names ("published on 2023-10-02")
    boost_articles: tuple[str, ...] = ()
    truncated: bool = False
    context: str = ""  # the previous question, for retrieval only (``followup.Resolution``)
    followup: bool = False  # leans on the previous turn (if refused, not the top stories)


def clean(raw: str) -> tuple[str, bool]:
    """Strip tags and entities, collapse whitespace, cap the length (keeping the end, where a
    long message asks its question); returns (text, truncated)."""
    text = normalize(html.unescape(_TAG.sub(" ", raw)))
    text = "".join(ch for ch in text if ch.isprintable())
    if len(text) <= MAX_QUESTION_CHARS:
        return text, False
    # A long message is context with the question last, as a rule: keep what leads up to its
    # last question mark (or its end), from a word's start
    end = text.rfind("?") + 1 or len(text)
    start = max(0, end - MAX_QUESTION_CHARS)
    if start and not text[start - 1].isspace():
        start = text.find(" ", start) + 1 or start
    return text[start:end].strip(), True


_CHOICE = re.compile(r"\bor (?!not\b)\w")
"""An alternative question ("is it selling better or worse?") asks for a choice, not yes/no."""
# "Who is Tomas Reyes?": who + be + nothing but a proper name asks what the named one is (a
# description: "Argentine forward"), not for a name; "Who is the plant manager?" asks for one.
_IDENTITY = re.compile(r"^\W*(?i:who(?:'s|’s|\s+(?:is|was|are|were)))\s+"
                       r"(?:[A-Z][\w.’'-]*\s*)+[?!.\s]*$")


def qtype_of(text: str) -> QType:
    """The answer type named by the question's own grammar — how many / when / where / who /
    which (one of several named things, after the date and place nouns),
    what someone said, a yes/no question — and nothing keyed to a topic's nouns: lists of
    "which bomber / reporter / fund" and "what's the toll / wage" were written for the dev set
    and changed no held-out answer (docs/BENCHMARKS.md, "Rules the reader replaced")."""
    t = text.lower().strip()
    if re.search(r"\bhow (many|much)\b|\bnumber of\b|\bwhat (was|is) the (total|number|count)", t):
        return QType.NUMBER
    if re.search(r"\bwhat did .{1,60}\b(say|tell|state|write|announce|claim|call|describe|"
                 r"label|dub|name)\b|"
                 r"\bwhat (was|were) .{1,40}\b(words|statement|message)\b", t):
        return QType.QUOTE
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month|time)\b|"
                 r"\bwhich (year|date|day|month)\b", t):
        return QType.DATE
    if re.search(r"\bwhere\b|\bwhich (city|country|place|town|region)\b|"
                 r"\bin what (city|country)", t):
        return QType.PLACE
    if re.search(r"\bwho(?:m|se)?\b", t):
        return QType.OTHER if _IDENTITY.match(text.strip()) else QType.NAME
    if re.match(r"^\W*(?:(?:at|by|for|from|in|of|on|to|with)\s+)?which\b", t):
        return QType.NAME  # "Which judge …", "By which firm …": one of several named things
    if re.match(r"^(\W*)(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b",
                t) and not _CHOICE.search(t):
        return QType.YESNO
    return QType.OTHER


_DATES = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:T[\d:.+Z-]+)?\b|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|"
    r"Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?|\b(?:January|February|March|April|"
    r"June|July|August|September|October|November|December)\b"
)


_MONTH_NUM = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_LONG_DAY = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?"
    r"\s+(\d{4})\b"
)


def dates_of(text: str) -> list[str]:
    """Calendar days named in a question, as ISO ``YYYY-MM-DD``."""
    days = [f"{y}-{m}-{d}" for y, m, d in _ISO_DAY.findall(text)]
    for mon, day, year in _LONG_DAY.findall(text):
        days.append(f"{year}-{_MONTH_NUM[mon.lower()[:3]]:02d}-{int(day):02d}")
    return list(dict.fromkeys(days))


def entities_of(text: str) -> list[str]:
    """Capitalised words and numbers that are not just sentence-initial question words.

    Dates are left out: they usually constrain *when* an article was published (metadata),
    not words the evidence must contain.
    """
    found: list[str] = []
    text = _DATES.sub(" ", text)
    for m in _ENTITY.finditer(text):
        token = re.sub(r"['’]s$", "", m.group(0).strip(".,"))  # "What's" is "What"
        if token in _QUESTION_CAPS or token.lower() in STOPWORDS:
            continue
        found.extend(stems(token) or [token.lower()])
    return list(dict.fromkeys(found))


_RECENT = ("latest", "most recent", "newest", "recently", "now", "currently", "current", "yet",
           "still", "so far", "anymore")
_WANTS_LATEST = re.compile(rf"\b({'|'.join(_RECENT)})\b")
RECENCY = frozenset(stems(" ".join(w for w in _RECENT if " " not in w)))
"""Words that say which report to prefer (``Question.wants_latest``), not what it must say:
no keyword, and never called missing from a passage ("What is the latest death toll?")."""

_HOW = re.compile(r"\bhow (many|much)\s+(.*)", re.IGNORECASE)
_AUX = frozenset("am is are was were be been have has had do does did will would shall should can "
                 "could may might must".split())
_SKIP = frozenset("of the a an his her their its our my your this that these those".split())
_PLURAL_FORMS = frozenset("people men women children police staff personnel cattle mice geese "
                          "feet teeth".split())


def _plural(word: str) -> bool:
    w = word.lower()
    return w in _PLURAL_FORMS or (len(w) > 2 and w.endswith("s") and not w.endswith(("ss", "us")))


def _stem(word: str) -> str | None:
    words = stems(word)
    return words[0] if words else None


def target_of(text: str) -> str | None:
    """The counted noun of a "how many X" question, stemmed ("how many Russians" → russian).

    English counts plural nouns, and a noun phrase ends at its head: the last plural of the
    words after "how many", up to a verb ("how many Paris *attackers* were", "how many *people*
    died in …": a lower-case word after a plural ends the phrase), skipping "of the …" and
    possessives. "how much X" measures a mass noun: X itself ("how much *debt*"), none when a
    verb follows ("how much did …")."""
    m = _HOW.search(text)
    if not m:
        return None
    words = re.findall(r"[\w’'-]+", m.group(2))
    if m.group(1).lower() == "much":
        head = words[0].lower() if words else ""
        if not head or head in _AUX or head in _SKIP or head in ("per", "more", "less"):
            return None
        return _stem(head)
    found: str | None = None
    for w in [w for w in words[:8] if w.lower() not in _SKIP][:4]:
        if w.lower() in _AUX:
            break
        if re.search(r"['’]s$", w):
            continue  # "Bush's": a possessive is no head
        if _plural(w):
            found = w
        elif found is not None and w.islower():
            break
    return _stem(found) if found else None


def parse(raw: str, history: list[Turn] | tuple[Turn, ...] = ()) -> Question:
    text, truncated = clean(raw)
    follow = resolve(text, history)
    resolved = follow.text
    # a question that names nothing ("Who was man of the match?") asked in a conversation is
    # most likely about what the chat was discussing: its articles rank higher and the last
    # question helps retrieval (no rewrite)
    unnamed = not re.search(r"\s[A-Z0-9]", text.strip())
    boost = history[-1].article_ids if (follow.followup or unnamed) and history else ()
    return Question(
        raw=raw,
        text=text,
        resolved=resolved,
        qtype=qtype_of(resolved),
        keywords=tuple(dict.fromkeys(w for w in stems(resolved) if w not in RECENCY)),
        entities=tuple(entities_of(resolved)),
        wants_latest=bool(_WANTS_LATEST.search(resolved.lower())),
        target=target_of(resolved),
        dates=tuple(dates_of(text)),
        boost_articles=tuple(boost),
        context=follow.context or (
            (history[-1].resolved or history[-1].question) if unnamed and history else ""),
        truncated=truncated,
        followup=follow.followup,
    )
