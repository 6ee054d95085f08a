"""A figure's counted noun may be written before it: "The number of firefighters injured …
has risen to 19" counts firefighters as surely as "14 firefighters" does, so a later report
of 19 updates the earlier 14. Reports of our own; the real ingest, Chroma, reader and answer
path."""

from __future__ import annotations

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.answer.conflicts import quantities
from index.embed import OnnxEmbedder
from index.engine import Engine

ARTICLES = {
    "gazette.txt": news_article(
        "Arden depot fire injures firefighters", "Arden Gazette", "2026-10-05",
        "A fire at the Arden bus depot injured 14 firefighters on Monday, the fire service said.",
        "The depot will stay closed until Friday.",
    ),
    "herald.txt": news_article(
        "Arden depot blaze: more injuries reported", "Lakeside Herald", "2026-10-06",
        "The number of firefighters injured in Monday's fire at the Arden bus depot has risen "
        "to 19, the fire service said on Tuesday as investigators examined the depot's wiring "
        "and its fuel store.",
        "Buses were diverted through the town centre.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("counted"), embedder, ARTICLES)


@pytest.mark.parametrize(("sentence", "counted"), [
    ("The number of workers injured in the blast has risen to 31, officials said.",
     [("31", "worker")]),
    ("The number of people killed is 130; 350 were hurt.", [("130", "peopl")]),
    ("270 Ukrainians and 120 Russians were freed.", [("270 Ukrainians", "ukrainian"),
                                                     ("120 Russians", "russian")]),
])
def test_the_counted_noun_before_a_figure(sentence: str, counted: list[tuple[str, str]]) -> None:
    assert [(x.text, x.key) for x in quantities(sentence)] == counted


@pytest.mark.parametrize("sentence", [
    "The number of workers rose. Police said 31.",  # a sentence break between them
    "The number of workers injured on 3 May rose to 31.",  # another figure between them
    "The number of workers fell in 2019.",  # a year counts nothing
])
def test_a_noun_before_another_figure_is_not_this_ones(sentence: str) -> None:
    assert "worker" not in [x.key for x in quantities(sentence)]


def test_a_later_report_that_names_its_noun_first_is_an_update(engine: Engine) -> None:
    answer = engine.answer("How many firefighters were injured in the Arden depot fire?")
    assert not answer.refused, answer.answer
    assert answer.answer.startswith("Latest: 19"), answer.answer
    assert "14 firefighters" in answer.answer, answer.answer
