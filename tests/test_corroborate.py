"""The name several cited articles share leads a who/which question that no one sentence
answers (MultiHop-style: "Which company, reported by X and Y, …?"); a tie leads nothing.
Small real articles in tmp_path, the real ingest (spaCy NER), real Chroma, no mocks."""

from __future__ import annotations

import re

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.embed import OnnxEmbedder
from index.engine import Engine

ARTICLES = {
    "plant.txt": news_article(
        "New battery plant in Ohio", "Tech Ledger", "2024-05-02",
        "Kestrel Dynamics opened a battery plant in Ohio on Tuesday, adding 400 jobs.",
        "The plant sits on the site of a former steel mill.",
    ),
    "fine.txt": news_article(
        "Drone maker fined", "Market Wire", "2024-05-09",
        "Regulators fined Kestrel Dynamics $2m for late safety reports on its drones.",
        "The company said it would appeal.",
    ),
    "harbour.txt": news_article(
        "Drones over the harbour", "City Daily", "2024-05-12",
        "Mara Lindqvist founded the drone maker in 2015 after a decade at an aircraft firm. "
        "Lindqvist said the drones would fly parcels over the harbour next spring.",
    ),
    "profile.txt": news_article(
        "The engineer behind the drones", "Tech Ledger", "2024-05-20",
        "Mara Lindqvist, who runs Kestrel Dynamics, told investors the drones would fly "
        "parcels over the harbour next spring.",
    ),
    "prize-a.txt": news_article(
        "Arden prize shared", "Design Weekly", "2024-03-01",
        "Harlan Voss and Petra Quill shared the Arden design prize, the jury said.",
    ),
    "prize-b.txt": news_article(
        "Arden prize ceremony", "Art Review", "2024-03-02",
        "Petra Quill and Harlan Voss accepted the Arden design prize in Oslo.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("corroborate"), embedder, ARTICLES)


def first_statement(text: str) -> str:
    return re.split(r"\[\d+\]|\n", text)[0]


def test_shared_company_leads_and_names_its_sources(engine: Engine) -> None:
    answer = engine.answer(
        "Which company, reported by Tech Ledger and Market Wire, opened a battery plant in "
        "Ohio and was fined by regulators for late safety reports on its drones?"
    )
    head = answer.answer.splitlines()[0]
    assert head.startswith("Kestrel Dynamics — named by "), answer.answer
    assert "Tech Ledger [" in head and "Market Wire [" in head, head
    # every number the lead names is a citation whose quote names the company
    for n in map(int, re.findall(r"\[(\d+)\]", head)):
        assert "Kestrel Dynamics" in answer.citations[n - 1].quote


def test_surname_in_the_quotes_leads_with_the_full_name(engine: Engine) -> None:
    answer = engine.answer(
        "Who is the individual, according to City Daily and Tech Ledger, who plans to fly "
        "parcels over the harbour next spring and founded a drone maker?"
    )
    assert first_statement(answer.answer).startswith("Mara Lindqvist — named by "), answer.answer


def test_two_names_named_equally_often_lead_nothing(engine: Engine) -> None:
    answer = engine.answer(
        "Which person, reported by Design Weekly and Art Review, won the Arden design prize "
        "and accepted it at a ceremony?"
    )
    assert not answer.refused, answer.answer
    assert "named by" not in answer.answer, answer.answer
    assert "Harlan Voss" in answer.answer and "Petra Quill" in answer.answer
