""""Which judge …?", "By which firm …?" ask for one of several named things, as "who" does:
a name question (its answer a capitalised span, sentences naming one weigh more), unless the
noun asks for a date or a place. Real ingest, Chroma and reader for the answer."""

from __future__ import annotations

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.embed import OnnxEmbedder
from index.engine import Engine
from index.understand.question import QType, qtype_of


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("Which judge threw out the case?", QType.NAME),
        ("which hedge funds want the bosses out", QType.NAME),
        ("By which firm was the plane's data analysed?", QType.NAME),
        ("Which of the bombers was identified first?", QType.NAME),
        ("Which year did the ban start?", QType.DATE),  # the noun asks for a date …
        ("Which city hosted the summit?", QType.PLACE),  # … or a place
        ("What was the firm which bought the plant?", QType.OTHER),  # "which" not leading
    ],
)
def test_which_asks_for_a_name(question: str, qtype: QType) -> None:
    assert qtype_of(question) is qtype


ARTICLES = {
    "court.txt": news_article(
        "US judge throws out Kestrel Oil bankruptcy case", "Harbour Post", "2026-02-25",
        "A US judge has thrown out Kestrel Oil's bankruptcy case, in a blow to the firm's "
        "attempt to stop the sale of its main unit.",
        "Texas Judge Letitia Morrow said Kestrel did not have enough of a US presence to "
        "establish US jurisdiction.",
        "Kestrel had argued that a US court could declare it bankrupt before its main unit was "
        "sold.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("which"), embedder, ARTICLES)


def test_the_named_one_is_quoted_first(engine: Engine) -> None:
    """The lede restates the question ("A US judge has thrown out …") and ranked first while
    "which judge" was an untyped question; the sentence that names the judge answers it."""
    answer = engine.answer("Which judge threw out Kestrel Oil's bankruptcy case?")
    assert "Letitia Morrow" in answer.answer.split("[1]")[0], answer.answer
