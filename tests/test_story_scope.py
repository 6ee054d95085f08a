"""Sources can only disagree about an event both report: a figure from another story never
joins a comparison (a newcomer's case: "How many people died?" over a ferry disaster and a
plant fire answered "Latest: 800 people …, updated from 12 people", the 800 being the fire's
evacuees). Reports of our own; the real ingest, Chroma, reader and answer path."""

from __future__ import annotations

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.brief.stories import StoryOf
from index.embed import OnnxEmbedder
from index.engine import Engine

FERRY = "Ferry capsizes off Kessing Island, 12 dead"
FIRE = "Hundreds evacuated after Glenford plant blaze"
ARTICLES = {
    "ferry.txt": news_article(
        FERRY, "Harbour Post", "2026-11-10",
        "At least 12 people died when the passenger ferry Marisol capsized off Kessing Island "
        "early on Sunday, the coast guard said.",
        "Forty passengers were pulled from the water by fishing boats and coast guard crews.",
    ),
    "ferry-wire.txt": news_article(
        "Kessing ferry overturns in storm", "Northern Wire", "2026-11-10",
        "The ferry Marisol overturned in a storm near Kessing Island late on Saturday, local "
        "officials said.",
        "Rescuers saved 38 passengers. Survivors described waves higher than the upper deck.",
    ),
    "fire.txt": news_article(
        FIRE, "Coast Herald", "2026-11-20",
        "About 800 people were evacuated from their homes in Glenford after a fire engulfed a "
        "storage hall at the Ostrander Chemicals plant in the early hours of Thursday.",
        "Fire chief Maria Ostby said the blaze began at around 2 a.m.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("stories"), embedder, ARTICLES)


def test_reports_of_one_event_are_one_story_and_other_events_are_not(engine: Engine) -> None:
    ids = {a.title: a.article_id for a in engine.store.articles()}
    stories = StoryOf(engine.store, list(ids.values()))
    assert stories.same(ids[FERRY], ids["Kessing ferry overturns in storm"])
    assert not stories.same(ids[FERRY], ids[FIRE])


@pytest.mark.parametrize("question", ["How many people died?", "How many died?"])
def test_a_figure_of_another_story_is_no_rival(engine: Engine, question: str) -> None:
    answer = engine.answer(question)
    assert not any("800" in claim.value for c in answer.conflicts for claim in c.claims), \
        answer.answer
    assert "800 people" not in answer.answer.split("\n")[0], answer.answer


def test_chunks_of_several_articles_in_one_read(engine: Engine) -> None:
    """``articles_chunks`` (one store read for a comparison's ledes) gives what ``article``
    gives for each article, in text order."""
    ids = [a.article_id for a in engine.store.articles()]
    many = engine.store.articles_chunks([*ids, "no-such-article"])
    assert set(many) == set(ids)
    for aid in ids:
        assert [c.chunk_id for c in many[aid]] == [c.chunk_id for c in engine.store.article(aid)]


def test_a_passage_of_another_story_is_no_report_of_this_one(engine: Engine) -> None:
    """"X also reports" says X reports the same event: a close passage of another story is
    offered as a close passage only (the ferry beside the fire)."""
    answer = engine.answer("When did the blaze begin?")
    lines = answer.answer.split("\n")
    assert "Coast Herald" in lines[0] and "blaze began" in lines[0], answer.answer
    ferry = [line for line in lines[1:] if "ferry" in line]
    assert ferry, answer.answer  # the ferry's passage is close enough to be shown
    assert all(line.startswith("Another close passage is from Harbour Post") for line in ferry)
