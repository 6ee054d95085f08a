"""Tests for index.ingest.chunk: sentence-aligned chunks with exact offsets, sized for MiniLM."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.embed import OnnxEmbedder
from index.ingest.chunk import article_version, chunk_article, chunk_id_for
from index.ingest.parse import parse_text
from index.ingest.read import load_input
from index.text import match_key
from index.types import Article

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _article(text: str, path: str = "/news/a.txt") -> Article:
    art = parse_text(text, path=path)
    assert isinstance(art, Article), art
    return art


def _seed(prefix: str) -> Article:
    art = load_input(str(next(SEEDS.glob(f"{prefix}_*.txt"))))
    assert isinstance(art, Article), art
    return art


def _words(text: str) -> int:
    """A deterministic token counter: enough to test the packing logic."""
    return len(text.split())


@pytest.mark.parametrize("prefix", ["000", "003"])
def test_seed_chunks_are_exact_slices_of_whole_sentences(
    prefix: str, embedder: OnnxEmbedder
) -> None:
    art = _seed(prefix)
    chunks = chunk_article(art, embedder.count_tokens)
    assert chunks
    for c in chunks:
        assert c.text == art.text[c.start : c.end]
        assert c.sentence_spans[0][0] == c.start and c.sentence_spans[-1][1] == c.end
        p_start, p_end = art.paragraphs[c.paragraph]
        assert p_start <= c.start < c.end <= p_end  # never crosses a paragraph
        for s, e in c.sentence_spans:
            assert c.start <= s < e <= c.end
            assert art.text[s:e] == art.text[s:e].strip()
        meta = c.metadata(art)
        assert all(isinstance(v, str | int | float) for v in meta.values())  # flat for Chroma
        assert {"title", "source", "published", "url", "path", "article_id"} <= meta.keys()
        assert {"start", "end", "sentences"} <= meta.keys()


def test_seed_003_repeated_paragraphs_become_one_chunk_each(embedder: OnnxEmbedder) -> None:
    art = _seed("003")
    keys = [match_key(c.text) for c in chunk_article(art, embedder.count_tokens)]
    assert len(keys) == len(set(keys))
    raw_paragraphs = [p for p in art.text.split("\n") if p.strip()]
    assert len({match_key(p) for p in raw_paragraphs}) < len(raw_paragraphs)  # it does repeat


def test_chunks_respect_the_token_budget_but_keep_long_sentences_whole() -> None:
    long_sentence = " ".join(["word"] * 30) + "."
    text = (
        "A headline about budgets\n\n"
        + " ".join(f"Sentence number {i} is here." for i in range(12))
        + "\n\n"
        + long_sentence
        + "\n"
    )
    art = _article(text)
    chunks = chunk_article(art, _words, max_tokens=12)
    assert len(chunks) >= 5
    for c in chunks:
        sentences = [art.text[s:e] for s, e in c.sentence_spans]
        assert sum(_words(s) for s in sentences) <= 12 or len(sentences) == 1
    assert any(c.text == long_sentence for c in chunks)


def test_identical_text_within_one_article_is_stored_once() -> None:
    same = "The council approved the budget on Monday. Members voted nine to two."
    text = f"Council votes\n\n{same}\n\nSomething else happened later that week.\n\n{same}  \n"
    chunks = chunk_article(_article(text), _words, max_tokens=200)
    assert [c.text for c in chunks].count(same) == 1


def test_chunk_ids_are_content_hashes_stable_across_runs_and_articles() -> None:
    text = "Port strike ends\n\nDockers returned to work on Tuesday. Ships queued for days.\n"
    first = chunk_article(_article(text), _words)
    again = chunk_article(_article(text), _words)
    elsewhere = chunk_article(_article(text, path="/news/b.txt"), _words)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert {c.chunk_id for c in first}.isdisjoint(c.chunk_id for c in elsewhere)
    art = _article(text)
    assert first[0].chunk_id == chunk_id_for(art.article_id, first[0].text, article_version(art))


def test_any_edit_to_an_article_moves_all_its_chunk_ids() -> None:
    """Ids hash the article's version, so stored metadata can never go stale under an id."""
    body = "\n\nDockers returned to work on Tuesday. Ships queued for days.\n"
    base = {c.text: c.chunk_id for c in chunk_article(_article("Port strike ends" + body), _words)}
    retitled = chunk_article(_article("Port strike is over" + body), _words)
    assert {c.text for c in retitled} == set(base)
    assert not {c.chunk_id for c in retitled} & set(base.values())
