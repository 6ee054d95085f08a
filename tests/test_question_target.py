"""The counted noun of a "how many / how much" question: the head of the phrase after it,
by English's plural rule, or nothing when a verb comes first. Our own phrasings."""

from __future__ import annotations

import pytest

from index.understand.question import target_of


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("How many nurses were among the injured?", "nurs"),
        ("How many people drowned when the ferry sank?", "peopl"),  # a verb after the noun
        ("How many Lisbon delegates signed the accord?", "deleg"),  # a name before the head
        ("How many of the Kestria miners were rescued?", "miner"),  # "of the …" skipped
        ("How many Ukrainians returned home on Friday?", "ukrainian"),
        ("How many goals a game did the striker average?", "goal"),
        ("How much debt does the club carry?", "debt"),
        ("How many were killed?", None),
        ("How much did the bridge repair cost?", None),
        ("How much per tonne did the mill pay?", None),
        ("How many of Valmont's ministers resigned?", "minist"),  # a possessive is no head
        ("Who mediated the talks?", None),
    ],
)
def test_counted_noun(question: str, noun: str | None) -> None:
    assert target_of(question) == noun
