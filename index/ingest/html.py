"""HTML → :class:`Article`: trafilatura extracts the body (the extracted text is what gets
quoted); the page's head gives title, outlet, date and canonical URL.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from index.ingest.decode import codec_name, decode, normalise_newlines
from index.ingest.parse import first_of, parse_text
from index.ingest.skipped import Skipped, short
from index.types import Article

_MIN_HTML_WORDS = 5
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


class _HeadMeta(HTMLParser):
    """Collects ``<title>``, meta tags and the canonical link; trafilatura keeps only a date."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._done:
            return
        a = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag == "title":
            self._in_title = not self.title
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content") and key not in self.meta:
                self.meta[key] = a["content"]
        elif tag == "link" and "canonical" in a.get("rel", "").lower().split() and a.get("href"):
            self.meta.setdefault("canonical", a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self._done = True

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _head_meta(html: str) -> _HeadMeta:
    parser = _HeadMeta()
    try:
        parser.feed(html[:200_000])
        parser.close()
    except Exception:  # malformed markup: keep whatever was collected
        pass
    return parser


def _html_charset(data: bytes, declared: str | None) -> str | None:
    if declared:
        return declared
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def from_html_bytes(
    item: str, data: bytes, *, charset: str | None, path: str | None, url: str | None
) -> Article | Skipped:
    html = decode(item, data, charset=charset)
    if isinstance(html, Skipped) and html.reason.startswith("not valid UTF-8"):
        fallback = _html_charset(data, charset)  # honour <meta charset> for legacy pages
        if codec_name(fallback) not in (None, "utf-8"):
            html = decode(item, data, charset=fallback)
    if isinstance(html, Skipped):
        return html
    return parse_html(html, path=path, url=url, item=item)


def parse_html(
    html: str, *, path: str | None = None, url: str | None = None, item: str | None = None
) -> Article | Skipped:
    """Extract the article body with trafilatura; the extracted text is what gets quoted."""
    import trafilatura  # imported lazily: it is slow to import and only HTML needs it

    label = item or path or url or "<html>"
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
        )
    except Exception as exc:
        return Skipped(label, f"could not parse HTML: {short(str(exc)) or type(exc).__name__}")
    body = getattr(doc, "text", None) if doc is not None else None
    text = normalise_newlines(body or "").strip("\n")
    if len(text.split()) < _MIN_HTML_WORDS:
        return Skipped(label, "no article text found in HTML")
    head = _head_meta(html)
    meta = head.meta
    title = first_of(meta.get("og:title"), getattr(doc, "title", None), head.title)
    source = first_of(meta.get("og:site_name"), getattr(doc, "sitename", None), meta.get("author"))
    published = first_of(
        meta.get("article:published_time"),
        meta.get("datepublished"),
        meta.get("date"),
        meta.get("pubdate"),
        getattr(doc, "date", None),
    )
    page_url = url or first_of(meta.get("canonical"), meta.get("og:url"), getattr(doc, "url", None))
    return parse_text(
        text,
        path=path,
        url=page_url,
        title_hint=title,
        source_hint=source,
        published_hint=published,
    )

