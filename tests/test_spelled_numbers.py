"""Numbers written as words are values too: news style spells out a number that opens a
sentence ("Fifteen people were killed …"), so two reports that disagree in words must be
flagged, each value shown as its article writes it. Reports of our own; the real ingest,
Chroma, reader and answer path. The words are read by a kept library (text2num)."""

from __future__ import annotations

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.answer.conflicts import spelled
from index.embed import OnnxEmbedder
from index.engine import Engine

ARTICLES = {
    "post.txt": news_article(
        "Tram crash in Lindvik", "City Post", "2026-10-02",
        "Fifteen people were killed when two trams collided in central Lindvik on Tuesday, "
        "police said.",
        "The city suspended tram services for the rest of the day.",
    ),
    "star.txt": news_article(
        "Lindvik tram collision", "Evening Star", "2026-10-02",
        "Twelve people were killed when two trams collided in central Lindvik on Tuesday, "
        "officials said.",
        "Investigators are examining the signals on the line.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("spelled"), embedder, ARTICLES)


@pytest.mark.parametrize(("text", "read"), [
    ("Fifteen people", "15 people"), ("two hundred and fifty residents", "250 residents"),
    ("twenty-one", "21"), ("the third quarter", "the 3rd quarter"), ("one", "1"),
])
def test_spelled_numbers_are_read_as_digits(text: str, read: str) -> None:
    assert spelled(text) == read


def test_reports_disagreeing_in_words_are_flagged_as_written(engine: Engine) -> None:
    answer = engine.answer("How many people were killed when the trams collided in Lindvik?")
    assert [c.kind for c in answer.conflicts] == ["disagreement"], answer.answer
    values = {claim.value for claim in answer.conflicts[0].claims}
    assert values == {"Fifteen people", "Twelve people"}, answer.answer
