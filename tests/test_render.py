"""Rendering: untrusted article text prints literally; wrapping survives a soft-wrap console."""

from __future__ import annotations

import io

from rich.console import Console

from bot.render import (
    ingest_summary,
    plain_answer,
    plain_sources,
    print_answer,
    safe,
    sources_table,
)
from index.types import Answer, ArticleInfo, Citation, Claim, Conflict, IngestReport

HOSTILE = "[bold]red[/bold] [link=http://evil]x[/link] <script>alert(1)</script> 🙂 :smile: ≠"
ESCAPES = "\x1b[31mRED\x1b[0m\x07 \u202eevil"


def cite(n: int, quote: str, **kw: object) -> Citation:
    fields: dict[str, object] = {
        "article_id": f"a{n}", "chunk_id": f"c{n}", "title": "T", "source": "CNN",
        "published": "2025-05-23T10:00:00", "url": None, "path": "/tmp/a.txt",
    }
    fields.update(kw)
    return Citation(n=n, quote=quote, **fields)  # type: ignore[arg-type]


def rendered(answer: Answer, *, soft_wrap: bool = False, width: int = 80) -> str:
    con = Console(file=io.StringIO(), width=width, soft_wrap=soft_wrap, highlight=False)
    print_answer(con, answer)
    assert isinstance(con.file, io.StringIO)
    return con.file.getvalue()


def squash(text: str) -> str:
    """Rendered text with wrapping, quote bars and padding removed, for substring checks."""
    return " ".join(text.replace("│", " ").split())


def test_hostile_text_renders_literally() -> None:
    answer = Answer(
        question="q", answer=f"Answer {HOSTILE} [1]", refused=False,
        citations=[cite(1, f"Quote {HOSTILE}", title=f"Title {HOSTILE}", source="[red]Outlet")],
        notice=f"note {HOSTILE}",
    )
    for out in (squash(rendered(answer, width=200)), plain_answer(answer)):
        assert out.count("[bold]red[/bold] [link=http://evil]x[/link]") == 4
        assert out.count("<script>alert(1)</script> 🙂 :smile: ≠") == 4
        assert "[red]Outlet" in out


def test_control_characters_are_neutralised() -> None:
    answer = Answer(question="q", answer=f"A {ESCAPES}", refused=False,
                    citations=[cite(1, f"Q {ESCAPES}", title=ESCAPES)])
    for out in (rendered(answer), plain_answer(answer)):
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
        assert "RED" in out
    assert safe("tab\tand\nnewline") == "tab\tand\nnewline"


def test_refusal_is_marked_and_not_cropped_on_a_soft_wrap_console() -> None:
    long = "I could not find an answer to that in the indexed articles. " * 4 + "THE END."
    answer = Answer(question="q", answer=long, refused=True,
                    closest=[ArticleInfo("a1", "Closest title", "BBC", None, None, "/x.txt", 3)])
    out = rendered(answer, soft_wrap=True, width=40)
    assert "✗ No answer" in out and "THE END." in out
    assert max(len(line) for line in out.splitlines()) <= 40
    assert "Closest title" in out and "BBC" in out
    assert plain_answer(answer).startswith("No answer: I could not find")


def test_block_quote_bar_on_every_wrapped_line() -> None:
    quote = "word " * 60
    out = rendered(Answer(question="q", answer="A [1]", refused=False,
                          citations=[cite(1, quote.strip())]), soft_wrap=True, width=50)
    quote_lines = [line for line in out.splitlines() if "word" in line]
    assert len(quote_lines) > 3
    assert all("│ " in line for line in quote_lines)
    assert quote_lines[0].startswith("[1]")


def test_sources_table_lists_outlet_date_and_link() -> None:
    answer = Answer(question="q", answer="A [1] [2] [3]", refused=False, citations=[
        cite(1, "one", article_id="a"), cite(2, "two", article_id="a"),
        cite(3, "three", article_id="b", title="Other", source=None, published=None,
             url="https://example.org/news/1", path=None),
    ])
    out = rendered(answer, width=120)
    assert "1,2" in out  # two quotes from one article: one row
    assert "2025-05-23" in out and "/tmp/a.txt" in out
    assert "https://example.org/news/1" in out and "—" in out


def test_conflicts_are_highlighted_once() -> None:
    conflict = Conflict("number of Ukrainians", (Claim("390", (1,)), Claim("270", (2,))))
    stated = Answer(question="q", answer="The sources disagree: 390 [1]; 270 [2].",
                    refused=False, citations=[cite(1, "390"), cite(2, "270", article_id="b")],
                    conflicts=[conflict])
    assert "⚠" not in rendered(stated)  # the text already says it; values highlighted inline
    assert "Sources disagree on" not in plain_answer(stated)
    unstated = Answer(question="q", answer="Some answer [1].", refused=False,
                      citations=stated.citations, conflicts=[conflict])
    assert "⚠ Sources disagree on the number of Ukrainians: 390 [1]  vs  270 [2]" in rendered(
        unstated)
    assert "Sources disagree on the number of Ukrainians: 390 [1]  vs  270 [2]" in plain_answer(
        unstated)


def test_update_is_shown_newest_first_with_dates() -> None:
    update = Conflict("number of residents", (Claim("4,300", (1,), "2024-03-07"),
                                              Claim("1,200", (2,), "2024-03-04")), kind="update")
    answer = Answer(question="q", answer="Some answer [1].", refused=False,
                    citations=[cite(1, "4,300"), cite(2, "1,200", article_id="b")],
                    conflicts=[update])
    line = ("↻ Updated the number of residents: 4,300 (2024-03-07, latest) [1]  ←  "
            "1,200 (2024-03-04) [2]")
    assert line in rendered(answer, width=200)
    assert line in plain_answer(answer)
    assert "disagree" not in plain_answer(answer)


def test_styles_reach_a_terminal() -> None:
    con = Console(file=io.StringIO(), width=80, force_terminal=True, color_system="standard")
    print_answer(con, Answer(question="q", answer="x", refused=True))
    assert isinstance(con.file, io.StringIO)
    assert "\x1b[" in con.file.getvalue()  # the refusal mark is styled on a terminal


def test_understood_as_line() -> None:
    answer = Answer(question="and Russians?", answer="A", refused=False,
                    resolved_question="how many Russians returned?")
    assert "(understood as: how many Russians returned?)" in rendered(answer)
    assert plain_answer(answer).splitlines()[0] == "(understood as: how many Russians returned?)"


def test_sources_and_ingest_summary_are_literal() -> None:
    articles = [ArticleInfo("id1", HOSTILE, "[b]Out", "2024-01-02", None, None, 4)]
    con = Console(file=io.StringIO(), width=200, soft_wrap=True, highlight=False)
    con.print(sources_table(articles))
    report = IngestReport(added=["x"], skipped=[("[bold]file.txt", "too [red]big")])
    ingest_summary(con, report)
    assert isinstance(con.file, io.StringIO)
    out = con.file.getvalue()
    assert "[bold]red[/bold]" in out and "[b]Out" in out and "2024-01-02" in out
    assert "skipped [bold]file.txt: too [red]big" in out
    assert "added 1" in out
    assert plain_sources(articles).split("\t")[2] == "[b]Out"
