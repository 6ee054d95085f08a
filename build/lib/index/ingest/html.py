"""HTML → :class:`Article`: trafilatura extracts the body (the extracted text is what gets
quoted); the page's head gives title, outlet, date and canonical URL.

Before extraction, elements a reader never sees (``hidden``, ``display:none``,
``aria-hidden``, ``<template>``, ``<noscript>``) are removed from the lxml tree. The body is
rendered as light Markdown from trafilatura's XML — ``#`` headings, ``- `` list items, ``|``
table rows under a header row, ``> `` quotes, a blank line between blocks — but without
trafilatura's own Markdown escaping and emphasis, so quoted text stays exactly the page's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from index.ingest.dates import parse_date
from index.ingest.decode import Decoded, codec_name, decode_detail, encoding_note
from index.ingest.parse import first_of, parse_text
from index.ingest.skipped import Skipped, short
from index.types import Article

_MIN_HTML_WORDS = 5
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
NO_TEXT = "no article text found in HTML"

_HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)
_HIDDEN_XPATH = "//template | //noscript | //*[@hidden] | //*[@aria-hidden] | //*[@style]"
# Site furniture that trafilatura sometimes keeps: consent banners, newsletter and share
# prompts, copyright lines. Matched against a whole short block (or list item) from its start.
_BOILERPLATE = re.compile(
    r"""^(?:
        (?:we|this\s+(?:web)?site|our\s+(?:web)?site|this\s+page)\s+uses?\s+cookies
      | by\s+(?:continuing|clicking|using)\b[^.]*\bcookies?\b
      | (?:accept|reject|manage|allow)\s+(?:all\s+)?cookies
      | cookie\s+(?:policy|settings|preferences|consent)
      | subscribe\b
      | sign\s+up\s+(?:for|to|now)\b
      | (?:share|follow\s+us)\s+(?:on|this|via)\b
      | (?:share|advertisement|related|read\s+more|learn\s+more|see\s+more)\s*$
      | all\s+rights\s+reserved
      | (?:©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\))?\s*\d{4})
      | (?:click|tap)\s+here\b
      | (?:please\s+)?enable\s+javascript
      | you(?:'ve|\s+have)\s+reached\s+your\s+(?:free\s+)?article\s+limit
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_BOILERPLATE_MAX_WORDS = 40
_WORD = re.compile(r"\w+")
_MARKER = re.compile(r"^(?:#{1,6}\s|[-*]\s|\d+\.\s|>\s?)")


@dataclass(frozen=True)
class HtmlPage:
    """What one HTML page yields before it becomes an Article.

    ``text`` is the article body as light Markdown (blocks separated by a blank line);
    ``published`` is ISO ``YYYY-MM-DD`` or None; ``encoding``/``encoding_guessed`` say how the
    bytes were decoded (see :class:`index.ingest.decode.Decoded`).
    """

    text: str
    title: str | None = None
    source: str | None = None
    published: str | None = None
    url: str | None = None
    encoding: str = "utf-8"
    encoding_guessed: bool = False
    encoding_declared: str | None = None
    """A declared charset the page was not valid in (read as UTF-8 instead)."""


def _html_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def decode_html(item: str, data: bytes, *, charset: str | None) -> Decoded | Skipped:
    """Decode a page: BOM, then the HTTP charset, then ``<meta charset>``, then UTF-8, then a
    charset-normalizer guess (see :func:`index.ingest.decode.decode_detail`)."""
    meta = _html_charset(data)
    declared = charset if codec_name(charset) else None
    fallback = codec_name(meta)
    retry = bool(declared) and fallback not in (None, codec_name(declared))
    got = decode_detail(item, data, charset=declared or (meta if fallback else None),
                        utf8_fallback=not retry)  # the page's own charset before UTF-8
    if isinstance(got, Skipped) and retry:
        got = decode_detail(item, data, charset=meta)  # a wrong header, an honest page
    return got


def page_from_bytes(
    item: str, data: bytes, *, charset: str | None, url: str | None
) -> HtmlPage | Skipped:
    """Decode and extract one HTML document; Skipped with a one-line reason otherwise."""
    decoded = decode_html(item, data, charset=charset)
    if isinstance(decoded, Skipped):
        return decoded
    page = extract_html(decoded.text, url=url, item=item)
    if isinstance(page, Skipped):
        return page
    return replace(page, encoding=decoded.encoding, encoding_guessed=decoded.guessed,
                   encoding_declared=decoded.declared)


def from_html_bytes(
    item: str, data: bytes, *, charset: str | None, path: str | None, url: str | None
) -> Article | Skipped:
    """An Article from HTML bytes (file or download)."""
    page = page_from_bytes(item, data, charset=charset, url=url)
    if isinstance(page, Skipped):
        return page
    return _article(page, path=path, url=url)


def parse_html(
    html: str, *, path: str | None = None, url: str | None = None, item: str | None = None
) -> Article | Skipped:
    """An Article from decoded HTML; the extracted text is what gets quoted."""
    page = extract_html(html, url=url, item=item or path)
    if isinstance(page, Skipped):
        return page
    return _article(page, path=path, url=url)


def _article(page: HtmlPage, *, path: str | None, url: str | None) -> Article | Skipped:
    article = parse_text(
        page.text,
        path=path,
        url=url or page.url,
        title_hint=page.title,
        source_hint=page.source,
        published_hint=page.published,
    )
    note = encoding_note(page.encoding, page.encoding_guessed, page.encoding_declared)
    if note is None or isinstance(article, Skipped):
        return article
    return replace(article, notes=(*article.notes, note))


def extract_html(
    html: str, *, url: str | None = None, item: str | None = None
) -> HtmlPage | Skipped:
    """Body, title, outlet, ISO publication date and canonical URL of one page.

    Skipped reasons: "could not parse HTML: …" and "no article text found in HTML" (nothing
    but navigation, scripts, consent banners or share prompts; fewer than 5 words of body).
    """
    import trafilatura  # imported lazily: it is slow to import and only HTML needs it
    from trafilatura.utils import load_html

    label = item or url or "<html>"
    try:
        tree = load_html(html)
        if tree is None:
            return Skipped(label, NO_TEXT)
        meta, head_title = _head_meta(tree)
        drop_hidden(tree)
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_formatting=True,  # keeps headings and their levels in the XML body
        )
    except Exception as exc:
        return Skipped(label, f"could not parse HTML: {short(str(exc)) or type(exc).__name__}")
    body = getattr(doc, "body", None) if doc is not None else None
    blocks = [b for b in (render_blocks(body) if body is not None else []) if b]
    blocks = [kept for b in blocks if (kept := _drop_boilerplate(b))]
    prose = [b for b in blocks if not b.startswith("#")]
    if sum(len(_WORD.findall(b)) for b in prose) < _MIN_HTML_WORDS:
        return Skipped(label, NO_TEXT)
    title = first_of(meta.get("og:title"), getattr(doc, "title", None), head_title)
    source = first_of(meta.get("og:site_name"), getattr(doc, "sitename", None), meta.get("author"))
    candidates = (
        meta.get("article:published_time"),
        meta.get("datepublished"),
        meta.get("date"),
        meta.get("pubdate"),
        meta.get("dc.date"),
        getattr(doc, "date", None),  # htmldate: JSON-LD, <time>, URL, … (original date)
    )
    published = next((d for c in candidates if c and (d := parse_date(c))), None)
    page_url = url or first_of(meta.get("canonical"), meta.get("og:url"), getattr(doc, "url", None))
    return HtmlPage("\n\n".join(blocks) + "\n", title, source, published, page_url)


def _head_meta(tree: Any) -> tuple[dict[str, str], str]:
    """``<title>``, ``<meta>`` contents (first of each name, lower-cased) and the canonical link."""
    meta: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = (el.get("content") or "").strip()
        if key and content and key not in meta:
            meta[key] = content
    for el in tree.iter("link"):
        rel = (el.get("rel") or "").lower().split()
        if "canonical" in rel and el.get("href"):
            meta.setdefault("canonical", el.get("href").strip())
            break
    title = next((el.text_content() for el in tree.iter("title")), "")
    return meta, title


def drop_hidden(tree: Any) -> int:
    """Remove elements a reader never sees, in place; returns how many were removed.

    ``hidden`` (but not ``hidden="until-found"``, which the browser reveals on search),
    ``aria-hidden="true"``, inline ``display:none`` / ``visibility:hidden``, ``<template>``
    and ``<noscript>``. The text after a removed element (its tail) stays.
    """
    removed = 0
    for el in tree.xpath(_HIDDEN_XPATH):
        tag = el.tag if isinstance(el.tag, str) else ""
        hidden = (
            tag in ("template", "noscript")
            or (el.get("hidden") is not None and el.get("hidden").lower() != "until-found")
            or (el.get("aria-hidden") or "").strip().lower() == "true"
            or bool(_HIDDEN_STYLE.search(el.get("style") or ""))
        )
        if hidden and _drop(el):
            removed += 1
    return removed


def _drop(el: Any) -> bool:
    parent = el.getparent()
    if parent is None:
        return False
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)
    return True


def _drop_boilerplate(block: str) -> str:
    """The block without boilerplate lines ("" if nothing is left). Tables are kept whole."""
    if block.startswith("|"):
        return block
    kept = []
    for line in block.split("\n"):
        words = _MARKER.sub("", line.strip())
        if len(words.split()) <= _BOILERPLATE_MAX_WORDS and _BOILERPLATE.match(words):
            continue
        kept.append(line)
    return "\n".join(kept).strip("\n")


# --- trafilatura XML body → light Markdown -----------------------------------------------------

_SKIP_TAGS = frozenset({"graphic", "lb", "fw", "note"})


def render_blocks(body: Any) -> list[str]:
    """trafilatura's XML body as Markdown-ish blocks, text unescaped and without emphasis."""
    out: list[str] = []
    if body.text and body.text.strip():
        out.append(_squash(body.text))
    for el in body:
        _render(el, out)
        if el.tail and el.tail.strip():
            out.append(_squash(el.tail))
    return out


def _render(el: Any, out: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _SKIP_TAGS or not tag:
        return
    if tag == "head":
        rend = el.get("rend") or ""
        level = int(rend[1]) if len(rend) == 2 and rend[0] == "h" and rend[1].isdigit() else 2
        text = " ".join(_inline(el).split())
        if text:
            out.append("#" * level + " " + text)
    elif tag == "list":
        lines = _list_lines(el, 0)
        if lines:
            out.append("\n".join(lines))
    elif tag == "table":
        rows = _table_rows(el)
        if rows:
            out.append("\n".join(rows))
    elif tag == "quote":
        text = _inline(el)
        if text:
            out.append("\n".join("> " + line for line in text.split("\n")))
    elif tag in ("div", "body", "article", "section", "main"):
        for child in el:
            _render(child, out)
    else:  # p, code, hi, ref, del, cell outside a table, …
        text = _inline(el)
        if text:
            out.append(text)
        for child in el:
            if child.tag in ("list", "table"):
                _render(child, out)


def _squash(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _inline(el: Any, *, skip: frozenset[str] = frozenset({"list", "table"})) -> str:
    """Text of an element; ``<lb/>`` becomes a line break, nested lists/tables are left out."""
    parts: list[str] = [el.text or ""]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "lb":
            parts.append("\n")
        elif tag not in skip and tag != "graphic":
            parts.append(_inline(child, skip=skip))
        parts.append(child.tail or "")
    return _squash("".join(parts))


def _list_lines(el: Any, depth: int) -> list[str]:
    lines: list[str] = []
    ordered = el.get("rend") == "ol"
    for n, item in enumerate((c for c in el if c.tag == "item"), start=1):
        text = _inline(item).replace("\n", " ")
        if text:
            lines.append("  " * depth + (f"{n}. " if ordered else "- ") + text)
        for nested in item.iter("list"):
            if nested is not item and nested.getparent() is item:
                lines.extend(_list_lines(nested, depth + 1))
    return lines


def _table_rows(el: Any) -> list[str]:
    rows: list[str] = []
    for row in el.iter("row"):
        cells = [_inline(c).replace("\n", " ") for c in row if c.tag == "cell"]
        if not any(cells):
            continue
        rows.append("| " + " | ".join(cells) + " |")
        if len(rows) == 1:
            rows.append("|" + "---|" * len(cells))
    return rows
