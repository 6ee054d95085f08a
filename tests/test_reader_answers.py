"""The false refusals of the rule-based answer path (issue 21): the closest passage states the
answer in words no rule expected. Real ingest, real Chroma, the real answer path and reader."""

from __future__ import annotations

import re

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.embed import OnnxEmbedder
from index.engine import Engine

ARTICLES = {
    "rail.txt": news_article(
        "Derailment near Marden", "Coast Times", "2024-10-02",
        "A regional train left the tracks just after 6 a.m. near the village of Marden.",
        "Forty passengers were taken to hospital, none with serious injuries.",
        "The Coastal Rail Authority (CRA) will lead investigations into the derailment.",
    ),
    "hospital.txt": news_article(
        "Stand collapse injures dozens", "City Post", "2024-10-03",
        "A temporary stand collapsed during a charity concert at the hospital grounds.",
        "The hospital said the injured included some 210 nurses and porters.",
    ),
    "accord.txt": news_article(
        "Fishing accord signed", "World Desk", "2024-10-04",
        "Fisheries ministers from six countries agreed new quotas for the northern waters.",
        "The ministers signed the accord at a special summit in Lisbon.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("reader-answers"), embedder, ARTICLES)


@pytest.mark.parametrize(
    ("question", "want"),
    [
        pytest.param("Which agency is leading the inquiry?", "Coastal Rail Authority",
                     marks=pytest.mark.xfail(strict=True, reason="issue 21, open: the reader "
                                             "reads 'inquiry' as no match for 'investigations' "
                                             "(P 0.23): refused, quoting that very sentence")),
        ("How many nurses were among the injured?", "210"),
        ("In which city did the ministers meet?", "Lisbon"),
    ],
)
def test_an_answer_in_unexpected_words_is_answered(
    engine: Engine, question: str, want: str
) -> None:
    answer = engine.answer(question)
    assert not answer.refused, answer.answer
    assert want in re.split(r"\[\d+\]|\n", answer.answer)[0], answer.answer
