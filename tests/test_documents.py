"""Tests for index.ingest.read: real files in tmp_path and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import random
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from index.ingest.fetch import new_client
from index.ingest.parse import article_id_for, parse_text
from index.ingest.read import (
    MAX_BYTES,
    SUPPORTED_SUFFIXES,
    Skipped,
    iter_inputs,
    load_input,
    load_inputs,
)
from index.text import match_key
from index.types import Article

REPO = Path(__file__).parents[1]
SEEDS = REPO / "seeds"
EVAL_DEV = Path(__file__).parents[1].parent / "shared" / "eval-dev"

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Port strike ends after deal | Example News</title>
<meta property="og:title" content="Port strike ends after three-week standoff">
<meta property="og:site_name" content="Example News">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-03-05T14:30:00+00:00">
<link rel="canonical" href="https://news.example.com/2024/03/port-strike-ends">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article>
<h1>Port strike ends after three-week standoff</h1>
<p>Dock workers at the country’s largest port voted on Tuesday to end a three-week strike that
had stranded hundreds of container ships offshore.</p>
<p>The union said members accepted a deal that raises wages by 14 percent over four years and
limits the use of automated cranes.</p>
<p>“This is a fair agreement that protects jobs,” said union leader Maria Lopez, speaking to
reporters outside the terminal gates.</p>
<p>Shipping companies estimated the strike cost them more than $2 billion in delays, and
analysts expect backlogs to take weeks to clear.</p>
</article>
<footer>© 2024 Example News. All rights reserved.</footer>
</body></html>
"""

EMPTY_HTML = (
    "<html><head><title>Nothing here</title></head>"
    "<body><nav><a href='/'>Home</a></nav><script>var x = 1;</script></body></html>"
)

PLAIN_ARTICLE = (
    "Council approves new bike lanes\n"
    "Source: City Gazette | Published: 2024-05-01T09:00:00+00:00 | URL: https://gazette.example/b\n"
    "\n"
    "The city council voted 7-2 on Monday to build twelve kilometres of protected bike lanes.\n"
    "\n"
    "Construction is expected to begin in the autumn.\n"
)


def _input(path: Path | str, **kw: object) -> Article | Skipped:
    """``load_input``; URLs go through a client allowed to reach our 127.0.0.1 server."""
    if not str(path).startswith("http"):
        return load_input(str(path), **kw)  # type: ignore[arg-type]
    timeout = float(kw.get("timeout", 15.0))  # type: ignore[arg-type]
    with new_client(timeout, allow_private=True) as client:
        return load_input(str(path), client=client, **kw)  # type: ignore[arg-type]


def _load(path: Path | str, **kw: object) -> Article:
    result = _input(path, **kw)
    assert isinstance(result, Article), result
    return result


def _skip(path: Path | str, **kw: object) -> Skipped:
    result = _input(path, **kw)
    assert isinstance(result, Skipped), result
    return result


def _paragraphs(article: Article) -> list[str]:
    return [article.text[s:e] for s, e in article.paragraphs]


def _assert_spans_exact(article: Article) -> None:
    for s, e in article.paragraphs:
        piece = article.text[s:e]
        assert piece, (s, e)
        assert piece == piece.strip()
    assert list(article.paragraphs) == sorted(article.paragraphs)


# --------------------------------------------------------------------------------------------
# Seeds and corpus


def test_constants() -> None:
    assert MAX_BYTES == 10 * 1024 * 1024
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".markdown", ".html", ".htm")


def test_seed_000_title_source_and_paragraphs() -> None:
    path = SEEDS / "000_2dffcf02efa1d4ff.txt"
    art = _load(path)
    assert art.title == "Ukraine and Russia Conduct Massive Prisoner Swap Amid Ongoing Tensions"
    assert art.source == "CNN"
    assert art.path == str(path.resolve())
    assert art.url is None
    assert art.article_id == article_id_for(str(path.resolve()))
    assert art.text == path.read_text(encoding="utf-8")
    assert art.content_hash == hashlib.sha256(art.text.encode()).hexdigest()
    paras = _paragraphs(art)
    assert len(paras) == 11
    assert "Only Real Outcome From Istanbul Talks" not in paras  # subheadings are not quoted
    subheadings = [art.text[b.start : b.end] for b in art.blocks if b.kind == "subheading"]
    assert "Only Real Outcome From Istanbul Talks" in subheadings  # …but kept as context
    assert not any(p.startswith("Source:") for p in paras)  # the credit line is not indexed
    assert art.title not in paras
    _assert_spans_exact(art)


def test_seed_003_headline_on_line_two_and_no_duplicates() -> None:
    path = SEEDS / "003_5535e735c952ee3e.txt"
    art = _load(path)
    headline = (
        "Massive Prisoner Exchange: Ukraine and Russia Swap 780 Individuals in Historic Agreement"
    )
    assert art.title == headline
    paras = _paragraphs(art)
    assert len(paras) == 7
    keys = [match_key(p) for p in paras]
    assert len(set(keys)) == len(keys)
    assert match_key(headline) not in keys  # the headline repeated as body is not indexed
    assert paras[0].startswith("In a significant development")  # long opener stays a paragraph
    lines = [line for line in art.text.split("\n") if line.strip()]
    repeated = {line for line in lines if lines.count(line) > 1 and line != headline}
    assert len(repeated) == 4
    for line in repeated:
        assert paras.count(line) == 1
    _assert_spans_exact(art)


def test_eval_dev_corpus_file() -> None:
    corpus = EVAL_DEV / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"eval-dev corpus not found at {corpus}")
    path = sorted(corpus.glob("001_*.txt"))[0]
    art = _load(path)
    assert art.title == (
        "When pop culture and sport collide: A timeline of Taylor Swift’s NFL takeover"
    )
    assert art.source == "The Age"
    assert art.published == "2023-09-26"
    assert art.url is not None
    assert art.url.startswith("https://www.theage.com.au/culture/music/when-pop-culture")
    paras = _paragraphs(art)
    assert len(paras) == 3
    assert not any(p.startswith("Source:") for p in paras)
    _assert_spans_exact(art)


def test_source_name_containing_pipe() -> None:
    text = (
        "Markets rally on rate hopes\n"
        "Source: Cnbc | World Business News Leader | Published: 2023-10-01T00:00:00+00:00 | "
        "URL: https://cnbc.example/x\n\nStocks rose sharply on Friday.\n"
    )
    art = parse_text(text, path="/tmp/x.txt")
    assert isinstance(art, Article)
    assert art.source == "Cnbc | World Business News Leader"
    assert art.url == "https://cnbc.example/x"
    assert _paragraphs(art) == ["Stocks rose sharply on Friday."]


# --------------------------------------------------------------------------------------------
# Plain text details


def test_crlf_normalised_and_spans_exact(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(
        b"Storm hits coast\r\nWinds reached 150 km/h overnight.\r\n\r\n"
        b"Power is out.\r\nEnd\rnote.\r\n"
    )
    art = _load(path)
    assert "\r" not in art.text
    assert art.text == (
        "Storm hits coast\nWinds reached 150 km/h overnight.\n\nPower is out.\nEnd\nnote.\n"
    )
    assert art.content_hash == hashlib.sha256(art.text.encode()).hexdigest()
    assert art.title == "Storm hits coast"
    # "End" alone on a line (a bare CR before "note.") is heading-shaped: not quoted.
    expected = ["Winds reached 150 km/h overnight.", "Power is out.", "note."]
    assert _paragraphs(art) == expected
    _assert_spans_exact(art)


def test_bom_dropped_and_markdown_title(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_bytes(b"\xef\xbb\xbf# Flood warning issued\n\nRivers are rising in the region.\n")
    art = _load(path)
    assert art.title == "Flood warning issued"
    assert art.text == "# Flood warning issued\n\nRivers are rising in the region.\n"
    assert _paragraphs(art) == ["Rivers are rising in the region."]


def test_no_headline_falls_back_to_opening_words() -> None:
    text = (
        "The committee met on Tuesday to discuss the budget for next year and agreed on most "
        "items.\n"
        "Members will vote on the remaining points next week.\n"
    )
    art = parse_text(text, path="/tmp/plain.txt")
    assert isinstance(art, Article)
    assert art.title == "The committee met on Tuesday to discuss the budget for next year…"
    assert len(art.paragraphs) == 2


def test_headline_only_file_is_skipped_with_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("Talks resume in Geneva\n", encoding="utf-8")
    skipped = _skip(path)
    assert skipped.reason == "no article text (only headings, captions, links or metadata)"


def test_hard_wrapped_paragraphs_are_joined(tmp_path: Path) -> None:
    path = tmp_path / "wrapped.txt"
    path.write_text(
        "Harbour bridge reopens\n\n"
        "The harbour bridge reopened to traffic on Sunday after eight months of\n"
        "repairs, city officials said, ahead of the holiday season rush.\n\n"
        "Engineers replaced corroded cables and resurfaced the whole deck, which\n"
        "carries about 90,000 vehicles a day.\n",
        encoding="utf-8",
    )
    art = _load(path)
    paras = _paragraphs(art)
    assert len(paras) == 2
    assert paras[0].startswith("The harbour bridge") and paras[0].endswith("rush.")
    _assert_spans_exact(art)


def test_parse_text_hints_win() -> None:
    art = parse_text(
        "Body line one is here.\nBody line two is here.\n",
        url="https://x.example/a",
        title_hint="Hinted title",
        source_hint="Hint Source",
        published_hint="2024-01-02T03:04:05Z",
    )
    assert isinstance(art, Article)
    assert (art.title, art.source, art.published) == (
        "Hinted title",
        "Hint Source",
        "2024-01-02",
    )
    assert art.article_id == article_id_for("https://x.example/a")
    assert len(art.paragraphs) == 2


def test_article_id_is_stable() -> None:
    assert article_id_for("/a/b.txt") == hashlib.sha256(b"/a/b.txt").hexdigest()[:16]
    assert len(article_id_for("https://x.example")) == 16


# --------------------------------------------------------------------------------------------
# Bad files


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert _skip(path).reason == "empty file"


def test_whitespace_only_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_bytes(b"  \n\t\r\n   \n")
    assert _skip(path).reason == "empty file"


def test_random_bytes_are_binary(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(random.Random(0).randbytes(4096))
    assert _skip(path).reason == "binary file (not text)"


def test_control_characters_are_binary(tmp_path: Path) -> None:
    path = tmp_path / "ctrl.txt"
    path.write_bytes(b"ab\x01\x02\x03cd\x04\x05\x06" * 50)
    assert _skip(path).reason == "binary file (not text)"


def test_broken_utf8_is_rejected_with_offset(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_bytes("Café opens downtown\n".encode() + b"A new caf\xe9 opened.\n")
    skipped = _skip(path)
    assert skipped.reason == "not valid UTF-8 text (byte 0xe9 at offset 30)"
    assert skipped.input == str(path)


def test_latin1_is_decoded_and_the_guess_is_noted(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    text = "Café opens downtown\n\nA new café opened in Zürich today.\n"
    path.write_bytes(text.encode("latin-1"))
    art = _load(path)
    assert _paragraphs(art) == ["A new café opened in Zürich today."]
    assert "encoding guessed: cp1252" in art.notes


def test_utf16_notepad_file_is_ingested(tmp_path: Path) -> None:
    path = tmp_path / "notepad.txt"
    path.write_bytes("Dam opens\r\n\r\nThe new dam opened on Monday.\r\n".encode("utf-16"))
    art = _load(path)
    assert _paragraphs(art) == ["The new dam opened on Monday."]


def test_file_over_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Headline\n" + "word " * 100, encoding="utf-8")
    skipped = _skip(path, max_bytes=100)
    assert skipped.reason.startswith("file too large (")
    assert "> 100 bytes limit" in skipped.reason


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    assert _skip(missing).reason == "no such file or directory"
    items = list(iter_inputs([str(missing)]))
    assert items == [Skipped(str(missing), "no such file or directory")]


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(b"%PDF-1.4")
    assert list(iter_inputs([str(path)])) == [Skipped(str(path), "unsupported file type .pdf")]
    assert _skip(path).reason == "unsupported file type .pdf"


# --------------------------------------------------------------------------------------------
# Folders


def test_folder_expansion_nested_sorted_hidden_skipped(tmp_path: Path) -> None:
    root = tmp_path / "news"
    for rel in [
        "b.txt",
        "a.md",
        "sub/c.html",
        "sub/deeper/d.markdown",
        "sub/E.HTM",
        ".hidden/x.txt",
        ".secret.txt",
        "sub/.also-hidden.md",
        "notes.pdf",
        "image.png",
    ]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    items = list(iter_inputs([str(root)]))
    expected = ["a.md", "b.txt", "sub/E.HTM", "sub/c.html", "sub/deeper/d.markdown"]
    assert items == [str((root / rel).resolve()) for rel in expected]
    # the same file given twice is loaded once
    assert list(iter_inputs([str(root / "a.md"), str(root)])) == items[:1] + items[1:]


def test_empty_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    [item] = list(iter_inputs([str(tmp_path / "empty")]))
    assert isinstance(item, Skipped)


# --------------------------------------------------------------------------------------------
# HTML files


def test_html_file_article(tmp_path: Path) -> None:
    path = tmp_path / "port.html"
    path.write_text(ARTICLE_HTML, encoding="utf-8")
    art = _load(path)
    assert art.title == "Port strike ends after three-week standoff"
    assert art.source == "Example News"
    assert art.published == "2024-03-05"
    assert art.url == "https://news.example.com/2024/03/port-strike-ends"
    assert art.path == str(path.resolve())
    assert "Home" not in art.text and "All rights reserved" not in art.text
    paras = _paragraphs(art)
    assert len(paras) == 4  # the <h1> repeats the title and is not a paragraph
    assert paras[2].startswith("“This is a fair agreement that protects jobs,”")
    _assert_spans_exact(art)


def test_html_file_without_article(tmp_path: Path) -> None:
    path = tmp_path / "nav.htm"
    path.write_text(EMPTY_HTML, encoding="utf-8")
    assert _skip(path).reason == "no article text found in HTML"


def test_html_file_declared_legacy_charset(tmp_path: Path) -> None:
    path = tmp_path / "legacy.html"
    html = ARTICLE_HTML.replace('charset="utf-8"', 'charset="windows-1252"')
    path.write_bytes(html.encode("cp1252"))
    art = _load(path)
    assert "country’s largest port" in art.text


# --------------------------------------------------------------------------------------------
# URLs (real local server)


class _Handler(BaseHTTPRequestHandler):
    user_agents: list[str] = []  # noqa: RUF012 - shared by the test server threads

    def log_message(self, format: str, *args: object) -> None:
        """Keep pytest output clean."""

    def _send(self, status: int, ctype: str, body: bytes, *, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.user_agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/article.txt":
            self._send(200, "text/plain; charset=utf-8", PLAIN_ARTICLE.encode())
        elif self.path == "/article.html":
            self._send(200, "text/html; charset=utf-8", ARTICLE_HTML.encode())
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/article.txt")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/big-declared":
            self._send(200, "text/plain", b"Headline\n" + b"word " * 2000)
        elif self.path == "/big-streamed":  # no Content-Length: read until the server closes
            self._send(200, "text/plain", b"Headline\n" + b"word " * 2000, length=False)
        elif self.path == "/image.png":
            self._send(200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(100))
        else:
            self._send(404, "text/plain", b"not found")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_url_text(server: str) -> None:
    url = f"{server}/article.txt"
    art = _load(url)
    assert art.title == "Council approves new bike lanes"
    assert art.source == "City Gazette"
    assert art.published == "2024-05-01"
    assert art.url == url  # the fetched URL wins over the one in the metadata line
    assert art.path is None
    assert art.article_id == article_id_for(url)
    assert len(art.paragraphs) == 2
    assert "newsqa/0.1" in _Handler.user_agents
    _assert_spans_exact(art)


def test_url_html(server: str) -> None:
    url = f"{server}/article.html"
    art = _load(url)
    assert art.title == "Port strike ends after three-week standoff"
    assert art.source == "Example News"
    assert art.url == url
    assert len(art.paragraphs) == 4


def test_url_redirect_followed(server: str) -> None:
    art = _load(f"{server}/redirect")
    assert art.title == "Council approves new bike lanes"


def test_url_too_many_redirects(server: str) -> None:
    assert "redirects" in _skip(f"{server}/loop").reason


def test_url_404(server: str) -> None:
    assert _skip(f"{server}/missing").reason == "HTTP 404 Not Found"


def test_url_unsupported_content_type(server: str) -> None:
    assert _skip(f"{server}/image.png").reason == "unsupported content type image/png"


def test_url_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    skipped = _skip(f"http://127.0.0.1:{port}/x.txt", timeout=5.0)
    assert skipped.reason == "could not fetch: connection refused"


@pytest.mark.parametrize("route", ["/big-declared", "/big-streamed"])
def test_url_over_cap(server: str, route: str) -> None:
    skipped = _skip(f"{server}{route}", max_bytes=1000)
    assert skipped.reason.startswith("response too large")
    assert "1000 bytes limit" in skipped.reason


def test_load_inputs_mixed(server: str, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "one.txt").write_text(PLAIN_ARTICLE, encoding="utf-8")
    (folder / "two.txt").write_bytes(b"")
    with new_client(15.0, allow_private=True) as client:
        results = list(load_inputs(
            [str(folder), str(tmp_path / "missing.md"), f"{server}/article.html"], client=client
        ))
    kinds = [type(r).__name__ for r in results]
    assert kinds == ["Article", "Skipped", "Skipped", "Article"]
    assert isinstance(results[1], Skipped) and results[1].reason == "empty file"
    assert isinstance(results[2], Skipped) and results[2].reason == "no such file or directory"
