"""RSS/Atom bytes → :class:`Feed`, with ``feedparser`` doing the parsing (it copes with the
many dialects and broken feeds found in the wild); this module only recognises feeds and
turns entries into plain values: ISO dates, plain-text summaries, a content hash.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from index.ingest.dates import in_future
from index.ingest.skipped import Skipped, short

FEED_MIMES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml",
    "application/x-rss+xml", "application/x-atom+xml", "application/feed+xml",
})
_XML_MIMES = frozenset({"text/xml", "application/xml", "", "application/octet-stream",
                        "binary/octet-stream", "text/plain"})
_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.IGNORECASE)
_HTML = re.compile(rb"<(?:!doctype\s+html|html)\b", re.IGNORECASE)
_BLOCKS = ("p", "div", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
           "pre", "table", "tr", "section", "article", "figure", "figcaption")


@dataclass(frozen=True)
class FeedEntry:
    """One entry. ``key`` identifies it within its feed (link, else id, else hash);
    ``hash`` changes whenever anything shown of it changes; ``published`` is ISO 8601 UTC."""

    key: str
    link: str | None
    title: str
    published: str | None
    summary: str
    """Plain text (paragraphs separated by blank lines) of the longer of summary/content."""
    hash: str


@dataclass(frozen=True)
class Feed:
    title: str
    entries: tuple[FeedEntry, ...]


def looks_like_feed(mime: str, data: bytes) -> bool:
    """True for a feed content type, or XML (or untyped) bytes whose root is rss/feed/RDF."""
    if mime in FEED_MIMES:
        return True
    if mime not in _XML_MIMES:
        return False
    head = data[:2048]
    root = _ROOT.search(head)
    html = _HTML.search(head)
    return root is not None and (html is None or html.start() > root.start())


def parse_feed(data: bytes, *, url: str, mime: str = "", charset: str | None = None
               ) -> Feed | Skipped:
    """Parse a downloaded feed. A page that is not a feed, or a feed without a single
    readable entry, is a :class:`Skipped` with a one-line reason."""
    import feedparser  # lazily: only feeds need it

    if not data.strip():
        return Skipped(url, "empty response (not a feed)")
    if mime in ("application/json", "application/feed+json") or data.lstrip()[:1] == b"{":
        return Skipped(url, "JSON Feed is not supported (only RSS and Atom)")
    if mime in ("text/html", "application/xhtml+xml") or (
        _HTML.search(data[:2048]) and not _ROOT.search(data[:2048])
    ):
        return Skipped(url, "not an RSS/Atom feed: the URL returned an HTML page")
    headers = {"content-location": url}
    if mime:
        headers["content-type"] = mime + (f"; charset={charset}" if charset else "")
    # A stream, never the bytes themselves: feedparser would fetch a body that looks like a URL.
    parsed: Any = feedparser.parse(io.BytesIO(data), response_headers=headers)
    entries = [e for e in (_entry(raw) for raw in parsed.get("entries", [])) if e is not None]
    if not entries:
        if parsed.get("bozo"):
            reason = short(str(parsed.get("bozo_exception") or "malformed XML"), 80)
            return Skipped(url, f"not a valid RSS/Atom feed ({reason})")
        if not parsed.get("version"):
            return Skipped(url, "not an RSS/Atom feed")
    title = " ".join(str(parsed.get("feed", {}).get("title") or "").split())
    return Feed(title, tuple(entries))


def _iso(struct: time.struct_time | None) -> str | None:
    """feedparser's parsed dates are UTC ``struct_time``s; one after tomorrow is no date."""
    if not struct:
        return None
    try:
        iso = datetime.fromtimestamp(calendar.timegm(struct), UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return None
    return None if in_future(iso) else iso


def _entry(raw: Any) -> FeedEntry | None:
    link = str(raw.get("link") or "").strip() or None
    title = " ".join(str(raw.get("title") or "").split())
    summary_html = str(raw.get("summary") or "")
    contents = [str(c.get("value") or "") for c in raw.get("content") or []]
    body = max([summary_html, *contents], key=len)
    summary = html_to_text(body)
    if not (link or title or summary):
        return None
    published = _iso(raw.get("published_parsed") or raw.get("updated_parsed"))
    digest = hashlib.sha256(
        json.dumps([link, title, published, summary_html, contents]).encode()
    ).hexdigest()[:32]
    key = link or str(raw.get("id") or "").strip() or f"hash:{digest}"
    return FeedEntry(key, link, title, published, summary, digest)


def html_to_text(fragment: str) -> str:
    """A summary's HTML as plain text: one paragraph per block element, blank-line separated.

    feedparser has already sanitised it (no scripts or styles left).
    """
    if "<" not in fragment:
        return _paragraphs(html.unescape(fragment))
    from lxml import html as lxml_html  # a trafilatura dependency, already installed

    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml's ParserError and friends: keep the raw text instead
        return _paragraphs(re.sub(r"<[^>]*>", " ", fragment))
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "br":
            el.tail = "\n" + (el.tail or "")
        elif el.tag in _BLOCKS:
            el.text = "\n\n" + (el.text or "")
            el.tail = "\n\n" + (el.tail or "")
    return _paragraphs(root.text_content())


def _paragraphs(text: str) -> str:
    paras = (" ".join(p.split()) for p in re.split(r"\n\s*\n|\n", text))
    return "\n\n".join(p for p in paras if p)
