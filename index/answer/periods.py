"""Long-run totals: "at least 4,757 Ukrainians have been freed through such exchanges since
March 2022", in a report of one exchange in 2025, counts many exchanges, not the one both
reports tell of. One principle: a count whose verb is bounded by "since" a day at least
``LONG_RUN_DAYS`` before the article (an earlier year, or a dated day) is a total over many
events, and sources are compared only total against total. "Since Friday" (a toll that rose
over days) and "the largest exchange since 2022" ("since" bounds "largest", not the count's
verb: spaCy's parse says which) stay counts of the event.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from index.ingest.dates import resolve_date

LONG_RUN_DAYS = 60
_SINCE = re.compile(r"\bsince\b([^,;.]{0,40})", re.IGNORECASE)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def long_run(text: str, at: int, published: str) -> bool:
    """Is the count at offset ``at`` of ``text`` bounded by "since" a day well before the
    article's date ``published`` (``YYYY-MM-DD``)? Parses only sentences that have such a
    "since" after the count (spaCy, loaded on first need)."""
    day = date.fromisoformat(published[:10]) if published else None
    olds = [m for m in _SINCE.finditer(text, at) if _long_before(m.group(1), day)]
    if not olds:
        return False
    from index.understand.parser import load_parser

    doc = load_parser()(text)
    count = next((t for t in doc if t.idx <= at < t.idx + len(t)), None)
    if count is None:
        return False
    verb = count
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head
    return any(t.lower_ == "since" and t.head.i == verb.i and t.idx >= olds[0].start()
               for t in doc)


def _long_before(phrase: str, day: date | None) -> bool:
    """Does the phrase after "since" name a day ``LONG_RUN_DAYS`` or more before ``day`` (with
    no ``day``: does it name a year)?"""
    year = _YEAR.search(phrase)
    if year and (day is None or int(year.group(1)) < day.year):
        return True
    if day is None:
        return False
    resolved = resolve_date(phrase.strip(), day.isoformat())
    return resolved is not None and date.fromisoformat(resolved) <= day - timedelta(
        days=LONG_RUN_DAYS)
