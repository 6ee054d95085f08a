"""Sentence-boundary cases from real news text: each text with the sentences it must split into.

Used by tests/test_segment.py and by tools/compare_splitters.py (spaCy vs pysbd counts).
"""

from __future__ import annotations

CASES: list[tuple[str, list[str]]] = [
    (
        "However, former U.S. President Donald Trump announced the exchange. It was welcomed.",
        ["However, former U.S. President Donald Trump announced the exchange.", "It was welcomed."],
    ),
    (
        "The U.N. Security Council met on Tuesday. Members voted against it.",
        ["The U.N. Security Council met on Tuesday.", "Members voted against it."],
    ),
    (
        "Acme Co. said profits rose. Shares fell in early trading.",
        ["Acme Co. said profits rose.", "Shares fell in early trading."],
    ),
    (
        "Widget Corp. and Gadget Inc. agreed to merge. The deal closes in May.",
        ["Widget Corp. and Gadget Inc. agreed to merge.", "The deal closes in May."],
    ),
    (
        "Dr. Jane Smith led the study. She is a virologist.",
        ["Dr. Jane Smith led the study.", "She is a virologist."],
    ),
    (
        "Sen. Elizabeth Warren and Rep. Jim Jordan spoke. Gov. Kathy Hochul did not.",
        ["Sen. Elizabeth Warren and Rep. Jim Jordan spoke.", "Gov. Kathy Hochul did not."],
    ),
    (
        "The parade passed St. Patrick's Cathedral. Crowds cheered.",
        ["The parade passed St. Patrick's Cathedral.", "Crowds cheered."],
    ),
    (
        "He lives at No. 10 Downing Street. Reporters waited outside.",
        ["He lives at No. 10 Downing Street.", "Reporters waited outside."],
    ),
    (
        "Troops were deployed on Jan. 22 after the vote. More followed.",
        ["Troops were deployed on Jan. 22 after the vote.", "More followed."],
    ),
    (
        "The law takes effect in Sept. 2025 nationwide. Critics object.",
        ["The law takes effect in Sept. 2025 nationwide.", "Critics object."],
    ),
    (
        "The meeting starts at 3 p.m. on Monday. It will be public.",
        ["The meeting starts at 3 p.m. on Monday.", "It will be public."],
    ),
    (
        "The store opened at 9 a.m. Customers had lined up since dawn.",
        ["The store opened at 9 a.m.", "Customers had lined up since dawn."],
    ),
    (
        "SPRINGFIELD, Ill. (AP) — The governor signed the bill on Friday. It takes effect in May.",
        ["SPRINGFIELD, Ill. (AP) — The governor signed the bill on Friday.",
         "It takes effect in May."],
    ),
    (
        "The novel by J. K. Rowling sold 500 million copies. It was adapted for film.",
        ["The novel by J. K. Rowling sold 500 million copies.", "It was adapted for film."],
    ),
    (
        "Inflation rose 3.5 percent in March. Food prices rose 2.1 percent.",
        ["Inflation rose 3.5 percent in March.", "Food prices rose 2.1 percent."],
    ),
    (
        "He paused... then said nothing at all. The room was silent.",
        ["He paused... then said nothing at all.", "The room was silent."],
    ),
    (
        "He asked: “Will you stay?” She said no.",
        ["He asked: “Will you stay?”", "She said no."],
    ),
    (
        "“We will lead the fight.” The president spoke on Saturday.",
        ["“We will lead the fight.”", "The president spoke on Saturday."],
    ),
    (
        "Mr. Smith and Mrs. Jones met Prof. Brown on Tuesday. They agreed.",
        ["Mr. Smith and Mrs. Jones met Prof. Brown on Tuesday.", "They agreed."],
    ),
    (
        "The company, based in Washington, D.C., cut 800 jobs. Unions protested.",
        ["The company, based in Washington, D.C., cut 800 jobs.", "Unions protested."],
    ),
    (
        "Shares of Apple Inc. rose 2% on Friday. Analysts were surprised.",
        ["Shares of Apple Inc. rose 2% on Friday.", "Analysts were surprised."],
    ),
    (
        "The vote is set for Feb. 3, officials said. Turnout is expected to be high.",
        ["The vote is set for Feb. 3, officials said.", "Turnout is expected to be high."],
    ),
]

GERMAN: list[tuple[str, list[str]]] = [
    (
        "Die Vereinbarung wurde am 29. Juli 2024 unterzeichnet. Sie tritt sofort in Kraft.",
        ["Die Vereinbarung wurde am 29. Juli 2024 unterzeichnet.", "Sie tritt sofort in Kraft."],
    ),
]
