"""What a reader is quoted, end to end (real files → real ingest → Chroma → answer): whole
sentences, body text only, table rows with their header, decoded entities, bounded length."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.engine import Engine
from index.ingest.segment import MAX_SENTENCE_CHARS
from index.store import spans_of_meta
from index.text import display
from index.types import Answer, Citation


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _matches_file(c: Citation) -> bool:
    """The quote is what the original file's bytes at the recorded offsets display as."""
    assert c.path is not None
    text = Path(c.path).read_text(encoding="utf-8").replace("\r\n", "\n")
    row = display(text[c.start : c.end])
    if c.header_end > c.header_start:
        return c.quote == display(text[c.header_start : c.header_end]) + "\n" + row
    return c.quote == row


@pytest.fixture
def engine(tmp_path: Path, make_engine: Callable[..., Engine]) -> Engine:
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs, "swap.txt", (
        "Prisoner exchange agreed\nSource: Example Wire | Published: 14 February 2025 | URL: \n\n"
        "However, former U.S. President Donald Trump announced the exchange. Officials in Kyiv "
        "welcomed the news on Friday.\n\n"
        "Only Real Outcome From Istanbul Talks\n\n"
        "The delegations met in Istanbul for less than two hours and agreed only on the swap.\n\n"
        "Extra troops were deployed on Jan. 22 after the vote in the U.N. Security Council.\n"
    ))
    _write(docs, "regulator.md", (
        "# Merger cleared\n\n&ldquo;This deal&rdquo; said the regulator&#8217;s chair, "
        "&ldquo;protects 14&nbsp;million customers.&rdquo; The **merger** closes in "
        "[March](https://example.com/march).\n"
    ))
    _write(docs, "election.md", (
        "# Election results\n\nThe count in the regional assembly finished overnight.\n\n"
        "| Party | Seats | Change |\n|---|---|---|\n| Civic Union | 9 | -2 |\n"
        "| Green Left | 4 | +1 |\n"
    ))
    _write(docs, "hidden.html", (
        "<html><head><title>Bridge reopens</title></head><body><article>"
        "<h1>Bridge reopens after repairs</h1>"
        "<p>The harbour bridge reopened to traffic on Sunday after eight months of repairs "
        "costing 40 million euros.</p>"
        '<p style="display:none">Secret fact: the bridge cost 999 million euros.</p>'
        "<p>Officials said the work finished two weeks ahead of schedule and under budget.</p>"
        "</article></body></html>"
    ))
    (docs / "notepad.txt").write_bytes(
        "Dam opens\r\n\r\nThe new dam in the northern valley opened on Monday with 120 "
        "turbines.\r\n".encode("utf-16")
    )
    _write(docs, "wall.txt", "Wall of words\n\n" + "alpha beta gamma delta " * 3_000 + "\n")
    e = make_engine()
    report = e.ingest([str(docs)])
    assert len(report.added) == 6, report
    return e


def _quotes(answer: Answer) -> list[str]:
    return [c.quote for c in answer.citations]


def test_quotes_are_whole_sentences_checked_against_the_file(engine: Engine) -> None:
    answer = engine.answer("Who announced the exchange?")
    assert ("However, former U.S. President Donald Trump announced the exchange."
            in _quotes(answer))
    answer = engine.answer("When were extra troops deployed?")
    assert any(q.startswith("Extra troops were deployed on Jan. 22 after the vote in the U.N.")
               for q in _quotes(answer))
    for c in answer.citations:
        assert _matches_file(c)


def test_subheadings_are_context_not_quotes(engine: Engine) -> None:
    answer = engine.answer("How long did the delegations meet in Istanbul?")
    assert "Only Real Outcome From Istanbul Talks" not in _quotes(answer)
    assert any("met in Istanbul" in q for q in _quotes(answer)), answer.answer


def test_entities_and_markdown_are_shown_decoded(engine: Engine) -> None:
    answer = engine.answer("What did the regulator's chair say about the deal?")
    quote = next(q for q in _quotes(answer) if "This deal" in q)
    assert quote == "“This deal” said the regulator’s chair, “protects 14 million customers.”"
    for c in answer.citations:
        assert _matches_file(c)


def test_table_row_is_quoted_with_its_header(engine: Engine) -> None:
    answer = engine.answer("How many seats did Civic Union win?")
    assert "| Party | Seats | Change |\n| Civic Union | 9 | -2 |" in _quotes(answer)
    for c in answer.citations:
        assert _matches_file(c)


def test_hidden_html_is_not_indexed(engine: Engine) -> None:
    texts = " ".join(c.text for c in engine.store.iter_all())
    assert "harbour bridge reopened" in texts
    assert "999 million" not in texts
    answer = engine.answer("How much did the bridge cost?")
    assert not any("999" in q for q in _quotes(answer))


def test_utf16_file_and_text_dates_are_read(engine: Engine) -> None:
    by_title = {a.title: a for a in engine.sources()}
    assert by_title["Dam opens"].chunks >= 1
    assert by_title["Prisoner exchange agreed"].published == "2025-02-14"


def test_no_sentence_is_a_wall_of_text(engine: Engine) -> None:
    for chunk in engine.store.iter_all():
        base = int(chunk.meta["start"])
        for s, e in spans_of_meta(chunk.meta):
            assert len(display(chunk.text[s - base : e - base])) <= MAX_SENTENCE_CHARS
    answer = engine.answer("alpha beta gamma delta")
    assert answer.citations
    assert all(len(q) <= MAX_SENTENCE_CHARS for q in _quotes(answer))
