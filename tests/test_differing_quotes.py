"""For a question that asks a value, a further quote is introduced as "X also reports" only
when its value is the first quote's: one that gives another value, or none the reader read,
is "X reports", whether or not the reader was sure enough to compare the two (a newcomer's
case: "four years" first, then "Northern Post also reports: … three and a half years", which
read as agreement). Reports of our own; the real ingest, Chroma, reader and answer path."""

from __future__ import annotations

import re

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.embed import OnnxEmbedder
from index.engine import Engine

ARTICLES = {
    "metro.txt": news_article(
        "Former charity boss jailed for fraud", "Metro Daily", "2026-11-12",
        "Margaret Albright, the former chief executive of the Harbour Trust charity, was jailed "
        "for four years on Thursday for stealing donations.",
        "Judge Peter Okafor told Leeds Crown Court that she had betrayed the trust of thousands "
        "of donors.",
        "The storm that hit the coast last week caused damage estimated at £120m, insurers said.",
    ),
    "post.txt": news_article(
        "Charity chief sentenced over stolen donations", "Northern Post", "2026-11-12",
        "A former charity chief executive who stole from donors has been sentenced to three and "
        "a half years in prison.",
        "Margaret Albright, 58, admitted fraud at an earlier hearing.",
        "Insurers put the cost of the storm damage at £85m.",
    ),
    "herald.txt": news_article(
        "Charity fraudster led double life", "Coast Herald", "2026-11-13",
        "Albright, who was jailed for four years, spent the money on a villa in Spain.",
    ),
}
FIGURES = {"four years": "4", "three and a half years": "3.5", "£120m": "120", "£85m": "85"}
QUESTIONS = ["How many years was the charity boss jailed for?", "How many years did Albright get?",
             "How much did the storm damage cost?"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("differing"), embedder, ARTICLES)


def _figure(line: str) -> str | None:
    return next((v for k, v in FIGURES.items() if k in line), None)


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_quote_with_another_value_is_no_confirmation(engine: Engine, question: str) -> None:
    answer = engine.answer(question)
    lines = answer.answer.split("\n")
    first = next(line for line in lines if line.startswith(("According to", "The articles may")))
    for line in lines[lines.index(first) + 1:]:
        said = re.match(r"(.+?) (also reports|reports): ", line)
        if said is None or _figure(line) is None or _figure(first) is None:
            continue
        assert (said.group(2) == "also reports") == (_figure(line) == _figure(first)), lines


def test_both_wordings_are_seen(engine: Engine) -> None:
    """The property above must meet a differing figure under the reader's comparison bar
    (else it tests nothing) and an agreeing one (four years, twice)."""
    texts = [engine.answer(q).answer for q in QUESTIONS]
    assert any("Northern Post reports: " in t and not engine.answer(q).conflicts
               for q, t in zip(QUESTIONS, texts, strict=True)), texts
    agreeing = engine.answer("How many years did Albright get?").answer
    assert "Coast Herald also reports: Albright, who was jailed for four years" in agreeing, \
        agreeing
