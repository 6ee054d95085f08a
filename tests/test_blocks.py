"""Block kinds on full news pages: only body sentences and table rows are quote candidates."""

from __future__ import annotations

from index.ingest.parse import parse_text
from index.types import Article, BlockKind

PAGE = """Ukraine and Russia swap prisoners after Istanbul talks
Published: 14 February 2025

By Jane Doe and John Roe, Staff Reporters

KYIV, Ukraine (AP) — Ukraine and Russia exchanged 390 prisoners on Friday, officials said.

The swap followed talks in Istanbul last week between the two delegations.

Only Real Outcome From Istanbul Talks

The delegations met for less than two hours and agreed only on the exchange.

Natalia Kovalenko

Image caption: Relatives waited at the border crossing for hours

Related stories
Russia and Ukraine agree to prisoner exchange
Zelensky Says Istanbul Talks Were a First Step Toward Peace

Update 3: adds comment from the Kremlin

Reporting by Olena Harmash; Editing by Mark Heinrich

Read more: How prisoner exchanges work
"""


def _kinds(article: Article) -> dict[str, BlockKind]:
    return {article.text[b.start : b.end]: b.kind for b in article.blocks}


def test_news_page_blocks_have_their_kinds() -> None:
    article = parse_text(PAGE, path="/tmp/page.txt")
    assert isinstance(article, Article)
    kinds = _kinds(article)
    assert article.title == "Ukraine and Russia swap prisoners after Istanbul talks"
    assert article.published == "2025-02-14"
    assert kinds["Published: 14 February 2025"] is BlockKind.META
    assert kinds["By Jane Doe and John Roe, Staff Reporters"] is BlockKind.BYLINE
    assert kinds["KYIV, Ukraine (AP) —"] is BlockKind.DATELINE
    assert kinds["Ukraine and Russia exchanged 390 prisoners on Friday, officials said."] is (
        BlockKind.BODY
    )
    assert kinds["Only Real Outcome From Istanbul Talks"] is BlockKind.SUBHEADING
    assert kinds["Natalia Kovalenko"] is not BlockKind.BODY
    assert kinds["Image caption: Relatives waited at the border crossing for hours"] is (
        BlockKind.CAPTION
    )
    assert kinds["Related stories"] is BlockKind.BOILERPLATE
    assert kinds["Russia and Ukraine agree to prisoner exchange"] is BlockKind.BOILERPLATE
    assert kinds["Update 3: adds comment from the Kremlin"] is BlockKind.META
    assert kinds["Reporting by Olena Harmash; Editing by Mark Heinrich"] is BlockKind.BYLINE
    assert kinds["Read more: How prisoner exchanges work"] is BlockKind.BOILERPLATE
    quotable = [article.text[s:e] for s, e in article.paragraphs]
    assert quotable == [
        "Ukraine and Russia exchanged 390 prisoners on Friday, officials said.",
        "The swap followed talks in Istanbul last week between the two delegations.",
        "The delegations met for less than two hours and agreed only on the exchange.",
    ]


def test_markdown_table_rows_carry_their_header() -> None:
    text = (
        "# Election results\n\nCivic Union won the most seats in the new parliament.\n\n"
        "| Party | Seats | Change |\n|---|---|---|\n| Civic Union | 9 | -2 |\n"
        "| Green Left | 4 | +1 |\n"
    )
    article = parse_text(text, path="/tmp/table.md")
    assert isinstance(article, Article)
    rows = [b for b in article.blocks if b.kind is BlockKind.TABLE]
    assert [article.text[b.start : b.end] for b in rows] == [
        "| Civic Union | 9 | -2 |", "| Green Left | 4 | +1 |",
    ]
    for row in rows:
        assert row.header is not None
        assert article.text[row.header[0] : row.header[1]] == "| Party | Seats | Change |"
    assert "|---|---|---|" not in [article.text[s:e] for s, e in article.paragraphs]


def test_page_with_only_headings_and_links_is_not_an_article() -> None:
    text = (
        "Latest news\n\nRelated stories\nMarkets Rally On Rate Hopes\nOil Slips As Supply Grows\n"
    )
    result = parse_text(text, path="/tmp/links.txt")
    assert not isinstance(result, Article)
    assert "no article text" in result.reason


def test_body_paragraph_without_final_punctuation_stays_body() -> None:
    text = (
        "Premier League lands TV deal\n\n"
        "The landscape of British broadcasting has shifted dramatically after BT bought a large "
        "slice of televised football rights, boosting the next TV deal to a record over three "
        "years\n\nScudamore admitted he was surprised by the huge hike in income.\n"
    )
    article = parse_text(text, path="/tmp/pl.txt")
    assert isinstance(article, Article)
    assert len(article.paragraphs) == 2


def test_a_lone_source_line_under_the_title_is_metadata() -> None:
    from index.ingest.parse import parse_text

    article = parse_text("Veltro results\nSource: Business Now\n\nVeltro reported revenue of "
                         "$2.4bn on Monday.\n", path="/tmp/veltro.txt")
    assert getattr(article, "source", None) == "Business Now"
    body = [article.text[b.start : b.end] for b in article.blocks  # type: ignore[union-attr]
            if b.kind.name.lower() == "body"]
    assert body and not any("Source:" in t for t in body)
