"""A figure answers the slot the question names: "How many jobs will Veltra cut in Manchester?"
over "300 jobs in Manchester and 120 in Leeds" (one day) and "420 jobs in the UK" (the next)
was answered "Latest: 420 jobs …, updated from 300 jobs" (a newcomer's report). Another
report's figure is a rival of the best witness's only when its paragraph names what the
question names and the best witness's sentence names too. Reports of our own; the real
ingest, Chroma, reader and answer path."""

from __future__ import annotations

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.embed import OnnxEmbedder
from index.engine import Engine

ARTICLES = {
    "cuts.txt": news_article(
        "Veltra to close two call centres", "Business Wire Daily", "2026-10-28",
        "Telecoms group Veltra will cut 300 jobs in Manchester and 120 in Leeds as it closes two "
        "call centres, the company said on Wednesday.",
        "Unions called the decision a betrayal of loyal staff.",
    ),
    "total.txt": news_article(
        "Veltra confirms UK job losses", "Northern Post", "2026-10-29",
        "Veltra confirmed on Thursday that 420 jobs in the UK will go by the end of next year.",
        "The company said it would offer redeployment where possible.",
    ),
    "later.txt": news_article(
        "Veltra raises Manchester cuts", "Business Wire Daily", "2026-11-02",
        "Veltra now plans to cut 350 jobs in Manchester, up from the 300 it announced last week.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("slot"), embedder, ARTICLES)


def test_a_total_of_other_places_is_no_update_of_one_place(engine: Engine) -> None:
    answer = engine.answer("How many jobs will Veltra cut in Manchester?")
    values = {claim.value for c in answer.conflicts for claim in c.claims}
    assert not any("420" in v for v in values), answer.answer
    assert "420" not in answer.answer.split("\n")[0], answer.answer


def test_a_later_figure_of_the_named_place_is_still_an_update(engine: Engine) -> None:
    """The rule must not cut what it is for: the Manchester figure raised days later."""
    answer = engine.answer("How many jobs will Veltra cut in Manchester?")
    assert [c.kind for c in answer.conflicts] == ["update"], answer.answer
    assert answer.answer.startswith("Latest: 350 jobs"), answer.answer
