"""A count of the asked noun joins a comparison only when the reader gives its sentence some
chance of answering (``COUNTED_MIN_P``): a newcomer's ferry reports were answered "Latest: 41
people …, updated from 12 people" for how many were killed, the 41 being injured. Reports of
our own; the real ingest, Chroma, reader and answer path."""

from __future__ import annotations

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.embed import OnnxEmbedder
from index.engine import Engine

ARTICLES = {
    "first.txt": news_article(
        "Ferry capsizes in Venn Strait", "Island Times", "2026-12-04",
        "At least 12 people were killed and 30 injured when the ferry Northern Star capsized in "
        "the Venn Strait on Thursday evening.",
        "Rescue crews pulled 178 people from the water, the coastguard said.",
    ),
    "next.txt": news_article(
        "Northern Star death toll rises", "Northern Wire", "2026-12-05",
        "The death toll from the capsizing of the Northern Star ferry in the Venn Strait has "
        "risen to 19, the coastguard said late on Friday.",
        "A further 41 people were injured and four are still missing.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("counted"), embedder, ARTICLES)


@pytest.mark.parametrize("question", ["How many people were killed when the ferry capsized?",
                                      "How many people were rescued from the water?"])
def test_the_injured_are_no_update_of_the_dead_or_the_rescued(engine: Engine,
                                                                question: str) -> None:
    answer = engine.answer(question)
    values = {claim.value for c in answer.conflicts for claim in c.claims}
    assert not any("41" in v for v in values), answer.answer
    assert "41" not in answer.answer.split("\n")[0], answer.answer
