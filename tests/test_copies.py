"""Wire copies (issue 24, item 4): the labelled pairs, and three copies of one wire report plus
one outlet's own report through the real ingest, real Chroma and the real answer path."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.embed import OnnxEmbedder
from index.engine import Engine
from index.ingest.copies import COPY_JACCARD, is_copy
from index.text import normalize

PAIRS = Path(__file__).parent / "fixtures" / "wire_pairs.json"


def _fixture() -> dict[str, Any]:
    return json.loads(PAIRS.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _body(text: dict[str, Any]) -> str:
    return "\n\n".join(text["body"])


def test_labelled_pairs_precision_and_recall() -> None:
    doc = _fixture()
    texts = doc["texts"]
    tp = fp = fn = 0
    for pair in doc["pairs"]:
        said = is_copy(_body(texts[pair["a"]]), _body(texts[pair["b"]]))
        tp += said and pair["copy"]
        fp += said and not pair["copy"]
        fn += not said and pair["copy"]
    assert len(doc["pairs"]) >= 30
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    assert precision >= 0.95 and recall >= 0.90, (precision, recall, COPY_JACCARD)


def _article(tid: str, day: str) -> str:
    t = _fixture()["texts"][tid]
    return news_article(t["title"], t["source"], day, *t["body"])


HERALD = news_article(
    "Kessby counts the cost after night of wind", "Northern Herald", "2026-03-04",
    "The regional health authority said on Wednesday that Storm Elin injured 12 people.",
    "Residents of Kessby spent the morning clearing broken glass and fallen branches, and at "
    "least two fishing boats were overturned in the marina.",
    "Local shop owner Per Lund said the storm was the worst he had seen in thirty years.",
)


def _storm() -> dict[str, str]:
    """AP's wire report, Yahoo News' and ABC News' lightly edited copies, the Herald's own."""
    return {
        "a-ap.txt": _article("storm-wire", "2026-03-03"),
        "b-yahoo.txt": _article("storm-copy1", "2026-03-03"),
        "c-abc.txt": _article("storm-copy2", "2026-03-03"),
        "d-herald.txt": HERALD,
    }


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("copies"), embedder, _storm())


def _no_repeated_quote(citations: list[Any]) -> None:
    quotes = [normalize(c.quote).casefold() for c in citations]
    assert len(quotes) == len(set(quotes)), quotes


def test_copies_share_a_group_in_their_metadata(engine: Engine) -> None:
    groups = {a.source: a.group for a in engine.sources()}
    assert groups["AP"] == groups["Yahoo News"] == groups["ABC News"] != groups["Northern Herald"]
    for a in engine.sources():
        assert {c.meta["group"] for c in engine.store.article(a.article_id)} == {a.group}


def test_briefing_shows_one_story_carried_by_the_copies(engine: Engine) -> None:
    answer = engine.answer("What's the latest on Storm Elin?")
    assert not answer.refused, answer.answer
    assert "AP, carried by Yahoo News, ABC News" in answer.answer, answer.answer
    assert len(answer.citations) == 2, answer.answer  # one wire story, one own report
    assert answer.answer.count("Storm Elin slammed into the northern coast") == 1
    _no_repeated_quote(answer.citations)


def test_the_sources_agree_names_two_reports_not_four(engine: Engine) -> None:
    answer = engine.answer("How many people were injured by Storm Elin?")
    head = answer.answer.splitlines()[0]
    assert "the sources agree" in head, answer.answer
    named = re.findall(r"\[(\d+)\]", head)
    assert len(named) == 2, head
    assert "AP, carried by Yahoo News, ABC News" in head and "Northern Herald" in head, head
    assert len({c.source for c in answer.citations}) == 2
    _no_repeated_quote(answer.citations)


@pytest.mark.parametrize("question", [
    "How many people did the storm injure?",
    "How many homes lost power in Storm Elin?",
    "Where did Storm Elin tear roofs from houses?",
    "How fast were the winds of Storm Elin?",
])
def test_a_copy_never_gives_a_second_citation(engine: Engine, question: str) -> None:
    answer = engine.answer(question)
    _no_repeated_quote(answer.citations)
    stories = [c.carried_by or (c.source,) for c in answer.citations]
    assert len(stories) == len(set(stories)), answer.answer  # one citation per report


def test_removing_the_original_hands_the_lead_to_the_next_copy(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    e = ingested_engine(tmp_path, embedder, _storm())
    (tmp_path / "docs" / "a-ap.txt").unlink()
    report = e.ingest([str(tmp_path / "docs")], prune=True)
    assert len(report.removed) == 1
    answer = e.answer("What's the latest on Storm Elin?")
    assert "Yahoo News, carried by ABC News" in answer.answer, answer.answer
    assert "AP," not in answer.answer


def test_an_edited_copy_that_is_no_longer_one_leaves_the_group(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    e = ingested_engine(tmp_path, embedder, _storm())
    before = {a.source: a.group for a in e.sources()}
    (tmp_path / "docs" / "c-abc.txt").write_text(news_article(
        "Our own storm report", "ABC News", "2026-03-03",
        "ABC News visited three flooded villages in the valley on Wednesday afternoon.",
        "Farmers there said their fields were under water for the first time since 1987.",
    ), encoding="utf-8")
    report = e.ingest([str(tmp_path / "docs")])
    assert len(report.updated) == 1
    after = {a.source: a.group for a in e.sources()}
    assert after["AP"] == after["Yahoo News"] == before["AP"]
    assert after["ABC News"] not in (before["AP"], after["Northern Herald"])
    answer = e.answer("What's the latest on Storm Elin?")
    assert "AP, carried by Yahoo News" in answer.answer and "ABC News:" not in answer.answer


def test_articles_from_before_groups_are_each_their_own_and_gain_copies(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    """An index written before groups: no group label, no copies.sqlite3. Each article is its
    own report; the next ingest computes their 5-grams, so a new copy joins them."""
    storm = _storm()
    e = ingested_engine(tmp_path, embedder, {"a-ap.txt": storm["a-ap.txt"]})
    store = e.store
    chunks = store.article(e.sources()[0].article_id)
    ids = [c.chunk_id for c in chunks]
    store.update_metadata(ids, [{"group": ""} for _ in ids])  # as an old ingest left it
    (tmp_path / "data" / "copies.sqlite3").unlink()
    (tmp_path / "docs" / "b-yahoo.txt").write_text(storm["b-yahoo.txt"], encoding="utf-8")
    e.ingest([str(tmp_path / "docs")])
    (tmp_path / "docs" / "c-abc.txt").write_text(storm["c-abc.txt"], encoding="utf-8")
    e.ingest([str(tmp_path / "docs")])
    groups = {a.source: a.group for a in e.sources()}
    assert groups["ABC News"] in (groups["AP"], groups["Yahoo News"])
