"""Sentence boundaries on real news shapes: abbreviations, initials, times, quotes, long text."""

from __future__ import annotations

import pytest
from sentence_cases import CASES, GERMAN  # tests/ is on sys.path

from index.ingest.parse import parse_text
from index.ingest.segment import MAX_SENTENCE_CHARS, sentence_spans
from index.text import display
from index.types import Article


@pytest.mark.parametrize(("text", "gold"), CASES, ids=[g[0][:40] for _, g in CASES])
def test_news_abbreviations_do_not_end_sentences(text: str, gold: list[str]) -> None:
    spans = sentence_spans(text, 0, len(text))
    assert [text[s:e] for s, e in spans] == gold


def test_german_date_ordinal_is_not_a_sentence_end() -> None:
    text, gold = GERMAN[0]
    body = "\n\n".join([text, "Die Regierung begrüßte den Schritt am Montag ausdrücklich.",
                        "Kritiker sprachen dagegen von einem Fehler der Behörden."])
    article = parse_text(f"Vertrag unterzeichnet\n\n{body}\n", path="/tmp/de.txt")
    assert isinstance(article, Article)
    assert article.language == "de"
    assert any("answers are tuned for English" in n for n in article.notes)
    first = article.paragraphs[0]
    spans = sentence_spans(article.text, *first, language=article.language)
    assert [article.text[s:e] for s, e in spans] == gold


def test_sentence_is_never_longer_than_the_bound() -> None:
    text = "word " * 400_000  # 2 MB, no sentence punctuation at all
    spans = sentence_spans(text, 0, len(text))
    assert spans
    assert max(len(display(text[s:e])) for s, e in spans) <= MAX_SENTENCE_CHARS
    assert spans[0][0] == 0 and spans[-1][1] == len(text.rstrip())


def test_long_sentence_is_cut_at_a_clause_boundary() -> None:
    clause = "the committee reviewed the evidence gathered over many months of hearings"
    text = "; ".join([clause] * 12) + "."
    spans = sentence_spans(text, 0, len(text))
    assert len(spans) > 1
    for s, e in spans[:-1]:
        assert text[s:e].endswith(clause + ";")  # cut after a whole clause, its ";" kept


def test_offsets_point_into_the_original_with_entities_and_markdown() -> None:
    text = ("&ldquo;This deal&rdquo; said the regulator&#8217;s chair. **Shares** rose "
            "14&nbsp;million in [early trading](https://example.com/x).")
    spans = sentence_spans(text, 0, len(text))
    shown = [display(text[s:e]) for s, e in spans]
    assert shown == ["“This deal” said the regulator’s chair.",
                     "Shares rose 14 million in early trading."]
    assert text[spans[0][0]:spans[0][1]].startswith("&ldquo;")
    assert text[spans[1][0]:spans[1][1]].endswith(").")
