"""The period a news request names ("today", "this week"), as days of the calendar.

Periods count back from the calendar's today (the machine's local date), not from the newest
article's date: "today" over an index whose newest article is a year old has nothing from
today, and the briefing says so rather than pass old reports off as today's. Reading the
period is reading a date expression, like the ingest's date parser; whether a question asks
for the news at all is the classifier's call (``intent``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_PERIODS: tuple[tuple[str, re.Pattern[str], int, int], ...] = (
    # (name, pattern, first day back, last day back)
    ("today", re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b",
                         re.IGNORECASE), 0, 0),
    ("yesterday", re.compile(r"\b(?:yesterday|last night)\b", re.IGNORECASE),
     1, 1),
    ("this week", re.compile(r"\b(?:(?:this|past|last) (?:week|7 days|seven days)|"
                             r"week['’]s)\b", re.IGNORECASE), 6, 0),
    ("this month", re.compile(r"\b(?:(?:this|past|last) (?:month|30 days|thirty days)|"
                              r"month['’]s)\b", re.IGNORECASE), 30, 0),
)


@dataclass(frozen=True)
class Period:
    """Days ``start``..``end`` (ISO, inclusive) that a request names as ``name``, counted back
    from ``today``."""

    name: str
    start: str
    end: str
    today: str

    def holds(self, published: str | None) -> bool | None:
        """Whether an article of that publication date is in the period (None: undated). In a
        period that runs to today, a later day counts too: a report stamped in a time zone
        ahead of ours."""
        if not published:
            return None
        day = published[:10]
        return day >= self.start and (day <= self.end or self.end == self.today)

    def shown(self) -> str:
        return self.start if self.start == self.end else f"{self.start} to {self.end}"


def period_of(text: str, today: date | None = None) -> Period | None:
    """The first period ``text`` names, counted back from ``today`` (default: the local date);
    None when it names none (the newest stories, of any date)."""
    today = today or date.today()
    for name, pattern, back_from, back_to in _PERIODS:
        if pattern.search(text):
            start = (today - timedelta(days=back_from)).isoformat()
            end = (today - timedelta(days=back_to)).isoformat()
            return Period(name, start, end, today.isoformat())
    return None
