""""Who is Tomas Reyes?" asks what the named one is, not for a name: two outlets that
describe him differently ("Argentine forward", "signed by Halden Rovers") do not disagree.
Real ingest, Chroma and reader (a newcomer's report: the bot said "The sources disagree on the
name: Argentine forward … ; Halden Rovers …")."""

from __future__ import annotations

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.embed import OnnxEmbedder
from index.engine import Engine
from index.understand.question import QType, qtype_of

ARTICLES = {
    "metro.txt": news_article(
        "Reyes completes Rovers move", "Metro Sport", "2026-08-30",
        "Argentine forward Tomas Reyes has joined Halden Rovers in a deal reported to be worth "
        "20 million euros including add-ons.",
        "Manager Ingrid Sandvik said she had followed him for two seasons.",
    ),
    "sportsline.txt": news_article(
        "Rovers sign striker Tomas Reyes for record fee", "Sportsline Daily", "2026-08-30",
        "Halden Rovers have signed Argentine striker Tomas Reyes from Porto Azul for a "
        "club-record fee of 18 million euros, the club confirmed on Friday.",
        "Reyes, 24, has agreed a four-year contract.",
    ),
}


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("Who is Tomas Reyes?", QType.OTHER),
        ("Who was President Biden?", QType.OTHER),
        ("who's B.K. Lee?", QType.OTHER),
        ("Who is the plant manager?", QType.NAME),  # a role: the answer is a name
        ("Who is Reyes's agent?", QType.NAME),
        ("Who signed Tomas Reyes?", QType.NAME),
    ],
)
def test_who_is_a_name_asks_for_a_description(question: str, qtype: QType) -> None:
    assert qtype_of(question) is qtype


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("identity"), embedder, ARTICLES)


def test_two_descriptions_of_one_person_are_no_disagreement(engine: Engine) -> None:
    answer = engine.answer("Who is Tomas Reyes?")
    assert not answer.refused, answer.answer
    assert not answer.conflicts and "disagree" not in answer.answer, answer.answer
    first = answer.answer.split("[1]")[0]
    assert "Tomas Reyes" in first and ("forward" in first or "striker" in first), answer.answer
    # The role question is still a name question, answered by the name.
    assert "Ingrid Sandvik" in engine.answer("Who is the Rovers manager?").answer
