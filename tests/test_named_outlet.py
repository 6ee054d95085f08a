"""A question that names one outlet asks what that outlet reported: its passage is quoted
first (a newcomer's case: "How many died according to Northern Wire?" opened with Harbour
Post's figure). Reports of our own; the real ingest, Chroma, reader and answer path."""

from __future__ import annotations

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.embed import OnnxEmbedder
from index.engine import Engine

ARTICLES = {
    "post.txt": news_article(
        "Ferry capsizes off Kessing Island, 12 dead", "Harbour Post", "2026-11-10",
        "At least 12 people died when the passenger ferry Marisol capsized off Kessing Island "
        "early on Sunday, the coast guard said.",
        "Forty passengers were pulled from the water by fishing boats and coast guard crews.",
    ),
    "wire.txt": news_article(
        "Fifteen killed as Kessing ferry overturns in storm", "Northern Wire", "2026-11-10",
        "Fifteen people were killed when the ferry Marisol overturned in a storm near Kessing "
        "Island late on Saturday, local officials said.",
        "Port Alder mayor Jonas Pell declared three days of mourning.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("outlets"), embedder, ARTICLES)


@pytest.mark.parametrize(("question", "outlet", "figure"), [
    ("How many died according to Northern Wire?", "Northern Wire", "Fifteen people"),
    ("How many people died, according to Harbour Post?", "Harbour Post", "12 people"),
])
def test_the_named_outlet_is_quoted_first(
    engine: Engine, question: str, outlet: str, figure: str
) -> None:
    answer = engine.answer(question)
    assert not answer.refused and answer.citations, answer.answer
    first = answer.citations[0]
    assert first.source == outlet and figure in first.quote, answer.answer
    assert outlet in answer.answer.split("\n")[0]
