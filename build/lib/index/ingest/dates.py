"""Dates as ISO ``YYYY-MM-DD`` strings: publication dates from page metadata or text, and date
expressions in article sentences ("yesterday", "on Friday", "13 November") resolved against the
article's publication date.

Parsing is dateparser's (English only, offline, absolute dates only); this module adds only the
news-specific rules: strip a ``Published:`` label, never guess a missing day or year, refuse
ambiguous all-numeric dates, and the weekday/year conventions in :func:`resolve_date`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

# A date up to this many days after the anchor still counts as "upcoming" (an article on
# 30 December about "2 January"); anything later in the anchor's year means last year.
FUTURE_DAYS = 7

_LABEL = re.compile(
    r"^\s*(?:(?:first|last|originally)\s+)?"
    r"(?:published|updated|posted|modified|date|dated|created|issued)\b"
    r"(?:\s+(?:on|at))?\s*[:\-–—]?\s*",
    re.IGNORECASE,
)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:$|[T\s])")
# 03/04/2014, 3.4.14, 03-04-2014: day-first and month-first readings both exist.
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_YEAR = re.compile(r"\b(?:1[89]|2\d)\d\d\b")
_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.IGNORECASE)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night|overnight|lunchtime))?"
_WEEKDAY_EXPR = re.compile(
    r"^(?:(?:on|since|from|last|this|next)\s+)?"  # not "by"/"until": deadlines lie ahead
    r"(?P<day>" + "|".join(_WEEKDAYS) + r")(?:'s)?" + _PART_OF_DAY + r"$"
)
_WEEKDAY_WORD = re.compile(r"^(?P<word>last|this|next)\s")
_EARLY_LATE = re.compile(r"^(?:early|late|earlier|later)\s+(?:on\s+)?")
_NUMBER_WORDS = {
    "one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_DAYS_AGO = re.compile(r"^(?P<n>\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")\s+days?\s+ago$")
_SAME_DAY = frozenset(
    {"today", "tonight", "this morning", "this afternoon", "this evening", "earlier today",
     "later today", "today's", "this lunchtime"}
)  # fmt: skip
_DAY_BEFORE = frozenset(
    {"yesterday", "last night", "yesterday morning", "yesterday afternoon", "yesterday evening"}
)  # fmt: skip
_DAY_AFTER = frozenset({"tomorrow", "tomorrow morning", "tomorrow night", "tomorrow evening"})


@cache
def _parser() -> Any:
    """One dateparser instance for the process: building it (and its first parse) costs ~0.5 s.

    Absolute dates only (no ``relative-time`` parser, so "yesterday" is never read against the
    clock) and every part required, so a bare "March 2014" never gets an invented day.
    """
    from dateparser.date import DateDataParser  # slow import; only dates need it

    return DateDataParser(
        languages=["en"],
        settings={
            "PARSERS": ["custom-formats", "absolute-time"],
            "REQUIRE_PARTS": ["day", "month", "year"],
            "STRICT_PARSING": True,
        },
    )


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" .,;")


@lru_cache(maxsize=4096)
def parse_date(text: str) -> str | None:
    """The calendar day a publication-date string names, as ``YYYY-MM-DD``, else None.

    Accepts ISO timestamps (the date is taken in the timestamp's own offset, never converted),
    "14 February 2025", "November 14, 2015 12:56 pm", "Wednesday 5th March, 2014" and a leading
    label ("Published: …", "Updated on …"). Returns None for garbage, relative words
    ("yesterday"), anything missing a day, month or year ("March 2014", "2019", "13 November"),
    and all-numeric dates whose day and month could be swapped ("03/04/2014"; "14/02/2025" is
    unambiguous and accepted). Never raises. Results are cached (~2 ms per uncached call).
    """
    cleaned = _clean(_LABEL.sub("", text or "", count=1))
    if not cleaned or len(cleaned) > 100 or not any(c.isdigit() for c in cleaned):
        return None  # every full date has digits (day, year): skip dateparser's ~2 ms
    iso = _ISO.match(cleaned)
    if iso:
        try:
            return date(*(int(g) for g in iso.groups())).isoformat()
        except ValueError:
            return None
    numeric = _NUMERIC.match(cleaned)
    if numeric:
        first, second = int(numeric.group(1)), int(numeric.group(2))
        if first != second and first <= 12 and second <= 12:
            return None  # 03/04/2014: 3 April or March 4 — do not guess
    try:
        found = _parser().get_date_data(cleaned).date_obj
    except Exception:  # dateparser raises on some odd inputs; a bad date is just no date
        return None
    if found is None:
        return None
    return date(found.year, found.month, found.day).isoformat()


def in_future(day: str, today: date | None = None) -> bool:
    """Whether ISO ``day`` (``YYYY-MM-DD…``) is after tomorrow (UTC; tomorrow itself is a time
    zone ahead). No article is published then: 9999-12-31 would lead every "What's new?"
    and never age out, so such a date is treated as no date."""
    try:
        parsed = date.fromisoformat(day[:10])
    except ValueError:
        return False
    return parsed > (today or datetime.now(UTC).date()) + timedelta(days=1)


def _anchor_date(anchor: str | None) -> date | None:
    if not anchor:
        return None
    iso = parse_date(anchor)
    return date.fromisoformat(iso) if iso else None


def _weekday(expr: str, anchor: date) -> date | None:
    match = _WEEKDAY_EXPR.match(expr)
    if not match:
        return None
    target = _WEEKDAYS.index(match.group("day"))
    word = _WEEKDAY_WORD.match(expr)
    which = word.group("word") if word else ""
    if which == "this":
        return None  # "this Friday" may be before or after the anchor
    if which == "next":
        return anchor + timedelta(days=(target - anchor.weekday() - 1) % 7 + 1)
    back = (anchor.weekday() - target) % 7
    if which == "last" and back == 0:
        back = 7
    return anchor - timedelta(days=back)


def _day_month(expr: str, anchor: date) -> date | None:
    """ "13 November" / "Nov. 13": that day in the anchor's year, moved to the year before if it
    would fall more than FUTURE_DAYS after the anchor, or to the year after if that is within
    FUTURE_DAYS of the anchor (year-end articles about early January). A weekday named with it
    must agree with the day found."""
    if not _MONTH.search(expr) or not any(c.isdigit() for c in expr):
        return None  # "last week", "13/11": no named month and day, nothing to resolve
    iso = parse_date(f"{expr} {anchor.year}")
    if iso is None:
        return None
    day = date.fromisoformat(iso)
    resolved: date | None = day
    if day > anchor + timedelta(days=FUTURE_DAYS):
        resolved = _replace_year(day, anchor.year - 1)
    else:
        following = _replace_year(day, anchor.year + 1)
        if following is not None and following <= anchor + timedelta(days=FUTURE_DAYS):
            resolved = following
    named = [i for i, name in enumerate(_WEEKDAYS) if name in expr]
    if resolved is not None and named and named != [resolved.weekday()]:
        return None  # "Monday, Nov. 13" when that 13 November is no Monday: do not guess
    return resolved


def _replace_year(day: date, year: int) -> date | None:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a non-leap year
        return None


@lru_cache(maxsize=4096)
def resolve_date(expr: str, anchor: str | None) -> str | None:
    """The single calendar day a date expression from an article names, as ``YYYY-MM-DD``.

    ``anchor`` is the article's publication date (any form :func:`parse_date` accepts, usually
    ISO ``YYYY-MM-DD``); None or unparseable means only full absolute dates resolve.

    News conventions, relative to the anchor day A:
      - "today", "tonight", "this morning" → A; "yesterday", "last night" → A−1;
        "tomorrow" → A+1; "three days ago" → A−3.
      - "Friday", "on Friday", "late on Friday", "Friday night" → the most recent Friday on or
        before A (a weekday in a news report is the last such day; the publication day itself
        counts); "last Friday" → the most recent Friday strictly before A; "next Friday" →
        the first Friday strictly after A; "this Friday", "by Friday", "until Friday" → None
        (either direction, or a deadline ahead).
      - "13 November", "Nov. 13" (a named month and a day) → that day in A's year, or the
        year before when that would be more than FUTURE_DAYS after A (the year after when
        that is within FUTURE_DAYS of A); None if a weekday named with it disagrees.
      - A full date ("14 February 2025") → that day, with or without an anchor.
    Returns None for spans ("last week", "three years ago", "March 2019", "2019"), "this
    Friday", year-less numeric dates ("13/11": day-first or month-first), and anything
    unparseable. Never raises. Results are cached (pure function of its arguments).
    """
    text = _clean((expr or "").lower().replace("’", "'"))
    if not text:
        return None
    if _YEAR.search(text):
        return parse_date(text)  # has a year: a full date or nothing
    day = _anchor_date(anchor)
    if day is None:
        return None
    text = text.removeprefix("on ").removeprefix("the ")
    if text in _SAME_DAY:
        return day.isoformat()
    if text in _DAY_BEFORE:
        return (day - timedelta(days=1)).isoformat()
    if text in _DAY_AFTER:
        return (day + timedelta(days=1)).isoformat()
    if text == "day before yesterday":
        return (day - timedelta(days=2)).isoformat()
    ago = _DAYS_AGO.match(text)
    if ago:
        n = ago.group("n")
        return (day - timedelta(days=int(n) if n.isdigit() else _NUMBER_WORDS[n])).isoformat()
    text = _EARLY_LATE.sub("", text, count=1)  # "late on Friday" is Friday
    weekday = _weekday(text, day)
    if weekday is not None:
        return weekday.isoformat()
    if _WEEKDAY_EXPR.match(text):
        return None  # "this Friday"
    found = _day_month(text, day)
    return found.isoformat() if found else None
