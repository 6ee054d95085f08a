"""Tests for index.ingest.html: real files in tmp_path, real lxml + trafilatura + htmldate."""

from __future__ import annotations

import codecs
from pathlib import Path

import trafilatura
from trafilatura.utils import load_html

from index.ingest.decode import encoding_note
from index.ingest.html import HtmlPage, drop_hidden, extract_html, from_html_bytes, page_from_bytes
from index.ingest.skipped import Skipped
from index.types import Article

STRUCTURED = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Flood defences fail | Example Times</title>
<meta property="og:title" content="Flood defences fail in river town">
<meta property="og:site_name" content="Example Times">
<meta property="article:published_time" content="2025-02-14T07:30:00+01:00">
<link rel="canonical" href="https://times.example/2025/02/flood">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article>
<h1>Flood defences fail in river town</h1>
<p>Emergency crews evacuated more than 400 homes on Friday after flood barriers along the
River Severn gave way during the night.</p>
<h2>What went wrong</h2>
<p>Engineers said the temporary barriers had been installed too late and were not rated for
the water levels seen this week.</p>
<ul><li>Barrier A failed at 02:00</li><li>Barrier B held until dawn</li></ul>
<table><tr><th>Town</th><th>Homes evacuated</th></tr>
<tr><td>Upton</td><td>250</td></tr><tr><td>Tewkesbury</td><td>160</td></tr></table>
<figure><img src="street.jpg" alt="A flooded street"><figcaption>A flooded street in Upton on
Friday.</figcaption></figure>
<p>The council said it would publish a full review of the flood response within three months.</p>
</article>
<footer>© 2025 Example Times.</footer>
</body></html>
"""

STRUCTURED_TEXT = """# Flood defences fail in river town

Emergency crews evacuated more than 400 homes on Friday after flood barriers along the River \
Severn gave way during the night.

## What went wrong

Engineers said the temporary barriers had been installed too late and were not rated for the \
water levels seen this week.

- Barrier A failed at 02:00
- Barrier B held until dawn

| Town | Homes evacuated |
|---|---|
| Upton | 250 |
| Tewkesbury | 160 |

The council said it would publish a full review of the flood response within three months.
"""

ARTICLE = (
    "<article><h1>Bridge reopens after repairs</h1>"
    "<p>The old town bridge reopened to traffic on Monday after eight months of repairs.</p>"
    "<p>Drivers had faced long diversions since the spring, the council said.</p></article>"
)


def _page(tmp_path: Path, html: str | bytes, *, charset: str | None = None) -> HtmlPage | Skipped:
    path = tmp_path / "page.html"
    path.write_bytes(html.encode("utf-8") if isinstance(html, str) else html)
    return page_from_bytes(str(path), path.read_bytes(), charset=charset, url=None)


def _ok(tmp_path: Path, html: str | bytes, *, charset: str | None = None) -> HtmlPage:
    page = _page(tmp_path, html, charset=charset)
    assert isinstance(page, HtmlPage), page
    return page


def _html(head: str, body: str) -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


# --- Structure --------------------------------------------------------------------------------


def test_structure_is_light_markdown(tmp_path: Path) -> None:
    """Headings as # lines, list items as '- ', a table under a header row, blank-line blocks.

    The figure caption is dropped (trafilatura keeps no captions; they describe the photo).
    """
    page = _ok(tmp_path, STRUCTURED)
    assert page.text == STRUCTURED_TEXT
    assert page == HtmlPage(
        STRUCTURED_TEXT,
        title="Flood defences fail in river town",
        source="Example Times",
        published="2025-02-14",
        url="https://times.example/2025/02/flood",
        encoding="utf-8",
        encoding_guessed=False,
    )


def test_headline_is_never_glued_to_the_first_sentence(tmp_path: Path) -> None:
    for body in (
        "<div><h1>Minister resigns over expenses</h1>The minister resigned on Tuesday after "
        "an inquiry found he had claimed for a second home.<br>Officials said the claims were "
        "being repaid.</div>",
        "<div><span><strong>Minister resigns over expenses</strong></span><div>The minister "
        "resigned on Tuesday after an inquiry found he had claimed for a second home.</div>"
        "<div>Officials said the claims were being repaid.</div></div>",
    ):
        blocks = _ok(tmp_path, _html("<title>x</title>", body)).text.rstrip("\n").split("\n\n")
        assert blocks[0].lstrip("# ") == "Minister resigns over expenses"
        assert blocks[1].startswith("The minister resigned on Tuesday")
        assert blocks[-1] == "Officials said the claims were being repaid."


def test_text_is_not_markdown_escaped(tmp_path: Path) -> None:
    """Quotes must match the page: no backslash escapes, no ** emphasis markers."""
    body = (
        "<article><h1>Shares fall_sharply after * report</h1><p>Shares fell 5% to $2.50 * 3 on "
        "the_main_board, the #1 exchange [sic] said <b>on Tuesday</b> and <i>again</i> "
        "&lt;later&gt;.</p>"
        "<blockquote>“We are ready,” the minister said in a statement.</blockquote>"
        "<ol><li>First point</li><li>Second point<ul><li>nested detail</li></ul></li></ol>"
        "</article>"
    )
    text = _ok(tmp_path, _html("<title>x</title>", body)).text
    assert text == (
        "# Shares fall_sharply after * report\n\n"
        "Shares fell 5% to $2.50 * 3 on the_main_board, the #1 exchange [sic] said on Tuesday "
        "and again <later>.\n\n"
        "> “We are ready,” the minister said in a statement.\n\n"
        "1. First point\n2. Second point\n  - nested detail\n"
    )


# --- Hidden elements ----------------------------------------------------------------------------


HIDDEN_BODY = (
    "<article><h1>Council approves budget</h1>"
    "<p>The council approved its budget on Monday after a long debate about road repairs.</p>"
    "<p hidden>SECRET-A hidden attribute paragraph that readers never see at all.</p>"
    '<p style="color: red; display : none">SECRET-B inline display none paragraph text.</p>'
    '<p style="visibility:hidden">SECRET-C invisible paragraph that takes up space.</p>'
    '<div aria-hidden="true"><p>SECRET-D paragraph hidden from screen readers too.</p></div>'
    "<template><p>SECRET-E template paragraph that is never rendered by browsers.</p></template>"
    "<noscript><p>SECRET-F please enable JavaScript to read this paragraph.</p></noscript>"
    "<p>Spending rises by <span hidden>SECRET-G</span>four percent, officials said on Monday.</p>"
    '<div hidden="until-found"><p>Found on search: the full list of repaired roads.</p></div>'
    "</article>"
)


def test_hidden_elements_never_reach_the_text(tmp_path: Path) -> None:
    text = _ok(tmp_path, _html("<title>x</title>", HIDDEN_BODY)).text
    assert "SECRET" not in text
    assert "Spending rises by four percent, officials said on Monday." in text  # tail kept
    assert "Found on search: the full list of repaired roads." in text  # until-found is content


def test_drop_hidden_on_the_tree() -> None:
    html = _html("<title>x</title>", HIDDEN_BODY)
    assert "SECRET-A" in (trafilatura.extract(html) or "")  # why the step exists
    tree = load_html(html)
    assert tree is not None
    assert drop_hidden(tree) == 7
    remaining = tree.text_content()
    assert "SECRET" not in remaining and "until-found" not in remaining
    assert "Found on search" in remaining and "four percent" in remaining


# --- No article text ----------------------------------------------------------------------------


BOILERPLATE_ONLY = _html(
    "<title>Example News</title><script>var tracking = {a: 1};</script>",
    '<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>'
    '<div class="cookie-banner"><p>We use cookies to improve your experience on our site. By '
    "continuing to browse you agree to our use of cookies. <a href='/privacy'>Learn more</a></p>"
    "<button>Accept all</button></div>"
    "<div class='share'><a href='#'>Share on Facebook</a> <a href='#'>Share on X</a></div>"
    "<div><p>Subscribe to our newsletter to get the latest headlines delivered every morning.</p>"
    "<a href='/subscribe'>Subscribe now</a></div>"
    "<footer><p>© 2025 Example News. All rights reserved.</p></footer>",
)


def test_boilerplate_only_page_has_no_article_text(tmp_path: Path) -> None:
    assert trafilatura.extract(BOILERPLATE_ONLY)  # trafilatura alone would keep the banners
    page = _page(tmp_path, BOILERPLATE_ONLY)
    assert page == Skipped(str(tmp_path / "page.html"), "no article text found in HTML")
    nav_only = _html(
        "<title>Nothing here</title>",
        "<nav><a href='/'>Home</a></nav><script>var x = 1;</script>",
    )
    assert extract_html(nav_only, item="nav.html") == Skipped(
        "nav.html", "no article text found in HTML"
    )


def test_short_real_article_passes_and_furniture_is_dropped(tmp_path: Path) -> None:
    short = _html(
        "<title>Ferry</title>",
        "<article><h1>Ferry service resumes</h1><p>The island ferry resumed sailings on Monday."
        "</p><p>Subscribe to our newsletter for more transport news.</p>"
        "<p>The EU says websites that use cookies must ask for consent, regulators said.</p>"
        "<p>Copyright lawyers said the ruling would be appealed.</p>"
        "<p>Copyright 2025 Ferry News. Share on Facebook</p>"
        "</article>",
    )
    assert _ok(tmp_path, short).text == (
        "# Ferry service resumes\n\n"
        "The island ferry resumed sailings on Monday.\n\n"
        "The EU says websites that use cookies must ask for consent, regulators said.\n\n"
        "Copyright lawyers said the ruling would be appealed.\n"
    )


# --- Publication date ---------------------------------------------------------------------------


def test_published_date_sources(tmp_path: Path) -> None:
    jsonld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
        '"NewsArticle", "headline": "Bridge", "datePublished": "2023-09-26T05:26:05+00:00"}'
        "</script>"
    )
    cases = {
        '<meta property="article:published_time" content="2024-03-05T23:30:00-05:00">': (
            "2024-03-05"
        ),
        '<meta name="date" content="November 14, 2015 12:56 pm">': "2015-11-14",
        jsonld: "2023-09-26",  # htmldate, via trafilatura
        '<meta property="article:published_time" content="soon">' + jsonld: "2023-09-26",
        "": None,
    }
    for head, expected in cases.items():
        page = _ok(tmp_path, _html(f"<title>Bridge</title>{head}", ARTICLE))
        assert page.published == expected, head
    timed = '<p>By Staff <time datetime="2022-06-19T08:00:00Z">June 19, 2022</time></p>' + ARTICLE
    assert _ok(tmp_path, _html("<title>Bridge</title>", timed)).published == "2022-06-19"


# --- Encodings ----------------------------------------------------------------------------------


CP1252_BODY = (
    "<article><h1>Prices rise</h1><p>“Costs are up,” said Zoë Müller of the café chain, as "
    "the price of a coffee passed €4 — a record.</p></article>"
)


def test_declared_legacy_charset(tmp_path: Path) -> None:
    html = _html('<meta charset="windows-1252"><title>x</title>', CP1252_BODY)
    page = _ok(tmp_path, html.encode("cp1252"))
    assert "“Costs are up,” said Zoë Müller" in page.text and "€4 — a record" in page.text
    assert (page.encoding, page.encoding_guessed) == ("cp1252", False)
    # A server that wrongly says UTF-8 loses to the page's own declaration.
    page = _ok(tmp_path, html.encode("cp1252"), charset="utf-8")
    assert (page.encoding, page.encoding_guessed) == ("cp1252", False)


def test_undeclared_legacy_charset_is_guessed(tmp_path: Path) -> None:
    page = _ok(tmp_path, _html("<title>x</title>", CP1252_BODY).encode("cp1252"))
    assert "€4 — a record" in page.text
    assert (page.encoding, page.encoding_guessed) == ("cp1252", True)


def test_utf16_html_file(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + _html("<title>x</title>", CP1252_BODY).encode("utf-16-le")
    page = _ok(tmp_path, data)
    assert "“Costs are up,” said Zoë Müller" in page.text
    assert page.encoding == "utf-16-le"


def test_binary_html_file_is_skipped(tmp_path: Path) -> None:
    page = _page(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    assert page == Skipped(str(tmp_path / "page.html"), "binary file (not text)")


def test_html_bytes_to_article_notes_a_guessed_encoding(tmp_path: Path) -> None:
    path = tmp_path / "legacy.html"
    head = '<title>x</title><meta name="date" content="Published: 14 February 2025">'
    path.write_bytes(_html(head, CP1252_BODY).encode("cp1252"))
    article = from_html_bytes(str(path), path.read_bytes(), charset=None, path=str(path), url=None)
    assert isinstance(article, Article), article
    assert "“Costs are up,” said Zoë Müller" in article.text
    assert article.published == "2025-02-14"
    assert "encoding guessed: cp1252" in article.notes
    declared = _html('<meta charset="windows-1252">' + head, CP1252_BODY).encode("cp1252")
    article = from_html_bytes(str(path), declared, charset=None, path=str(path), url=None)
    assert isinstance(article, Article), article
    assert not any(n.startswith("encoding") for n in article.notes)
    assert encoding_note("utf-8", False) is None
