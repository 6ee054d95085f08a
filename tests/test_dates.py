"""Tests for index.ingest.dates: real dateparser, no clock (every relative date has an anchor)."""

from __future__ import annotations

import pytest

from index.ingest.dates import FUTURE_DAYS, parse_date, resolve_date

FRIDAY = "2025-02-14"  # a Friday: weekday conventions are checked around it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14 February 2025", "2025-02-14"),
        ("2015-11-14T12:56:00+01:00", "2015-11-14"),
        ("2015-11-14T23:56:00-05:00", "2015-11-14"),  # its own offset, never shifted to UTC
        ("November 14, 2015 12:56 pm", "2015-11-14"),
        ("JUNE 19, 2012", "2012-06-19"),
        ("Wednesday 5th March, 2014", "2014-03-05"),
        ("Published: 14 February 2025", "2025-02-14"),
        ("Updated 14 Feb 2025, 10:00 GMT", "2025-02-14"),
        ("Date: 2024-03-05T14:30:00+00:00", "2024-03-05"),
        ("Nov. 13, 2015", "2015-11-13"),
        ("13th of November 2015", "2015-11-13"),
        ("14/02/2025", "2025-02-14"),  # 14 cannot be a month: unambiguous
        ("  2024-01-02  ", "2024-01-02"),
    ],
)
def test_parse_date_formats(text: str, expected: str) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello world",
        "March 2014",  # no day: never invented
        "2019",
        "13 November",  # no year
        "yesterday",  # relative words are not publication dates
        "2 hours ago",
        "Friday",
        "03/04/2014",  # 3 April or March 4
        "2015-13-45",
        "Published:",
        "x" * 500,
    ],
)
def test_parse_date_refuses(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("yesterday", "2025-02-13"),
        ("Yesterday morning", "2025-02-13"),
        ("last night", "2025-02-13"),
        ("today", FRIDAY),
        ("tonight", FRIDAY),
        ("this morning", FRIDAY),
        ("tomorrow", "2025-02-15"),
        ("the day before yesterday", "2025-02-12"),
        ("three days ago", "2025-02-11"),
        ("on Friday", FRIDAY),  # the publication day itself is the most recent Friday
        ("Friday", FRIDAY),
        ("Friday night", FRIDAY),
        ("Thursday", "2025-02-13"),
        ("Thursday’s", "2025-02-13"),
        ("since Monday", "2025-02-10"),
        ("late on Tuesday", "2025-02-11"),
        ("Friday, Feb. 14", FRIDAY),
        ("on Saturday", "2025-02-08"),  # last Saturday, never the next one
        ("last Friday", "2025-02-07"),
        ("next Monday", "2025-02-17"),
        ("13 November", "2024-11-13"),  # would be 9 months ahead: last year
        ("Nov. 13", "2024-11-13"),
        ("Feb. 14", FRIDAY),
        ("February 18", "2025-02-18"),  # within FUTURE_DAYS: an upcoming date this year
        ("February 25", "2024-02-25"),  # beyond FUTURE_DAYS: last year
        ("14 February 2024", "2024-02-14"),
        ("November 14, 2015", "2015-11-14"),
    ],
)
def test_resolve_date_against_anchor(expr: str, expected: str) -> None:
    assert resolve_date(expr, FRIDAY) == expected


@pytest.mark.parametrize(
    "expr",
    [
        "last week",
        "three years ago",
        "2019",
        "March 2019",
        "this Friday",
        "soon",
        "",
        "November",
        "13/11",
        "by Friday",  # a deadline: may lie ahead
        "Monday, Nov. 13",  # 13 November 2024 was a Wednesday
    ],
)
def test_resolve_date_refuses_spans(expr: str) -> None:
    assert resolve_date(expr, FRIDAY) is None


def test_resolve_date_year_boundaries() -> None:
    assert FUTURE_DAYS == 7
    assert resolve_date("2 January", "2025-12-30") == "2026-01-02"  # upcoming, next year
    assert resolve_date("28 December", "2025-01-03") == "2024-12-28"
    assert resolve_date("29 February", "2024-03-10") == "2024-02-29"


def test_resolve_date_anchor_forms() -> None:
    """The anchor may be a full timestamp; an unusable anchor resolves only full dates."""
    assert resolve_date("yesterday", "2015-11-14T12:56:00+01:00") == "2015-11-13"
    assert resolve_date("yesterday", "14 February 2025") == "2025-02-13"
    for anchor in (None, "", "not a date"):
        assert resolve_date("yesterday", anchor) is None
        assert resolve_date("on Friday", anchor) is None
        assert resolve_date("13 November", anchor) is None
        assert resolve_date("13 November 2015", anchor) == "2015-11-13"
