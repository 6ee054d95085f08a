"""What an answer says of its own limits must be true and said once: a refusal's missing words
hold for every passage the reader read, not only the closest one, and a yes/no question gets
one hedge. Three reports of one flood (our own text), the real ingest, Chroma and answer
path."""

from __future__ import annotations

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.embed import OnnxEmbedder
from index.engine import Engine

ARTICLES = {
    "gazette.txt": news_article(
        "Tarn valley flood forces mass evacuation", "River Gazette", "2024-03-04",
        "Officials said 1,200 residents were evacuated from the flooded Tarn valley on Sunday.",
        "Two people died when their car was swept off a bridge near Millbrook, police said. "
        "Fourteen people were treated in hospital for injuries and hypothermia.",
        "The river crested on Saturday at 6.2 metres, the highest level since 1998. Mayor Ana "
        "Petrov said the town's two shelters were full by Sunday evening.",
    ),
    "wire.txt": news_article(
        "Thousands leave homes as Tarn river bursts its banks", "Northern Wire", "2024-03-04",
        "About 1,800 residents were evacuated from the Tarn valley, regional authorities said "
        "on Monday.",
        "Relief coordinator Jonas Hale said 12 schools would stay closed until Thursday. The "
        "Kessel dam held, engineers said, though they warned that water could spill over it "
        "on Wednesday.",
    ),
    "post.txt": news_article(
        "Tarn valley residents begin returning home", "Harbour Post", "2024-03-07",
        "Most of the residents evacuated from the Tarn valley began returning home on "
        "Thursday, the mayor's office said.",
        "The death toll rose to four after a missing fisherman was found near Millbrook on "
        "Wednesday. Insurers estimated the damage at 45 million euros.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("flood"), embedder, ARTICLES)


def reason(engine: Engine, question: str) -> str:
    answer = engine.answer(question)
    assert answer.refused, answer.answer
    return answer.answer.split(". The closest passage")[0]


@pytest.mark.parametrize("question", ["When did Jonas Hale visit Millbrook?",
                                      "How many soldiers were injured near Millbrook?"])
def test_a_name_some_read_passage_mentions_is_not_called_missing(
    engine: Engine, question: str
) -> None:
    """Jonas Hale and Millbrook are each in a report the reader read (the closest passage
    lacks them): the refusal must not say the passages do not mention them."""
    said = reason(engine, question)
    assert "do not mention" in said, said  # what no passage has is still named ...
    assert "Jonas Hale" not in said and "Millbrook" not in said, said  # ... nothing else


def test_what_no_passage_mentions_is_named(engine: Engine) -> None:
    said = reason(engine, "Who is the police chief of Millbrook?")
    assert said.endswith("do not mention chief"), said


@pytest.mark.parametrize("question", ["Who is the latest police chief of Millbrook?",
                                      "Who is the current police chief of Millbrook?",
                                      "Who is still the police chief of Millbrook?",
                                      "Is there a police chief of Millbrook yet?"])
def test_a_word_asking_for_the_newest_report_is_never_missing(
    engine: Engine, question: str
) -> None:
    """"latest" / "current" / "still" / "yet" say which report to prefer, not what it must say
    (a tune set's refusal said the passages "do not mention yet")."""
    said = reason(engine, question)
    assert said.endswith("do not mention chief"), said


@pytest.mark.parametrize("question", ["Did the Kessel dam hold?",
                                      "Did the river crest on Saturday?"])
def test_a_yes_no_question_gets_one_hedge(engine: Engine, question: str) -> None:
    """The reader has no yes/no head, so its doubt adds nothing to the yes/no disclaimer; a
    newcomer saw both stacked over a passage that answered ("No toxic material reached the
    river," for "Did toxic material reach the river?")."""
    answer = engine.answer(question)
    assert not answer.refused, answer.answer
    lines = answer.answer.split("\n")
    assert lines[0] == "The articles do not state a yes/no answer directly; here is what they say:"
    assert lines[1].startswith("According to "), answer.answer
    assert "may not answer this directly" not in answer.answer


@pytest.mark.parametrize(("question", "sentence", "counts"), [
    ("How many banks has Parmalat sued?", "Parmalat has sued 45 banks.", 1.0),
    ("How many banks has Parmalat sued?", "The number of banks it has sued rose to 49.", 1.0),
    ("How many banks has Parmalat sued?", "Parmalat collapsed with debts of 14bn euros.", 0.0),
    ("How many people died?", "Fifteen people were killed.", 1.0),  # people: one key
    ("How many died?", "The toll rose to 12.", 1.0),  # counts nothing named: no evidence either way
    ("Who leads the inquiry?", "The agency leads it.", 1.0),
])
def test_does_the_best_sentence_count_what_is_asked(
    question: str, sentence: str, counts: float
) -> None:
    """A refusal signal: an on-topic "how many X" question the articles do not answer is often
    met by a figure of something else."""
    from index.answer.refuse import counts_target
    from index.understand.question import parse

    assert counts_target(parse(question), sentence) == counts
