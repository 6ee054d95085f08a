"""A question that asks for the latest is answered by the newest dated report that the reader
thinks answers it, not by the report whose wording is closest to the question (tune set
latest-bbc: "what was US growth in the third quarter, latest figure?" led with the first
estimate). Reports of our own; the real ingest, Chroma, reader and answer path."""

from __future__ import annotations

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.embed import OnnxEmbedder
from index.engine import Engine

ARTICLES = {
    "first.txt": news_article(
        "Arland economy grows in third quarter", "Arland Post", "2026-10-29",
        "Official figures showed Arland's growth in the third quarter was 4.1%, the fastest "
        "growth in the third quarter for years.",
        "Consumer spending rose strongly over the summer months.",
    ),
    "revised.txt": news_article(
        "Arland growth revised down", "Arland Post", "2026-11-26",
        "Arland's economy grew by 3.2% in the third quarter, the statistics office said on "
        "Friday, revising its first estimate.",
        "Exports were weaker than the first figures suggested.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("newest"), embedder, ARTICLES)


def test_the_newest_answering_report_leads(engine: Engine) -> None:
    answer = engine.answer("What was Arland's growth in the third quarter, latest figure?")
    first = answer.answer.split("\n")[0]
    assert "3.2%" in first and "2026-11-26" in first, answer.answer


def test_without_latest_the_closest_report_may_lead(engine: Engine) -> None:
    """The newest-first order is only for questions that ask for the latest."""
    answer = engine.answer("What was Arland's growth in the third quarter?")
    assert not answer.refused, answer.answer
    assert "4.1%" in answer.answer, answer.answer
