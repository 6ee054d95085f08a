"""A count bounded by "since" a day long before its article totals many events
(``index.answer.periods``); the real spaCy parse decides what "since" bounds."""

from __future__ import annotations

import pytest

from index.answer.periods import long_run

FREED = ("According to Ukraine’s Coordination Headquarters for the Treatment of Prisoners of "
         "War, at least 4,757 Ukrainians have been freed through such exchanges since March 2022.")


@pytest.mark.parametrize(("text", "number", "published", "expected"), [
    (FREED, "4,757", "2025-05-24", True),
    (FREED, "4,757", "", True),  # undated: a named year is a long-run start
    (FREED, "4,757", "2022-03-20", False),  # an article of that month: no long run yet
    ("Police have carried out 793 raids since January 2014, the minister said.", "793",
     "2015-11-20", True),
    ("Police have carried out 793 raids since 13 November, the minister said.", "793",
     "2015-11-20", False),  # a week: this event's raids
    ("The toll has risen to 130 since Friday.", "130", "2015-11-20", False),
    # "since" bounds "largest", not the count's verb
    ("Nearly 800 individuals have been freed in what is set to become the largest prisoner "
     "exchange since 2022.", "800", "2025-05-24", False),
    ("About 2,300 homes remained without power on Wednesday.", "2,300", "2026-11-05", False),
])
def test_long_run(text: str, number: str, published: str, expected: bool) -> None:
    assert long_run(text, text.index(number), published) is expected
