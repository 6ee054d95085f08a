"""Read news articles from files, folders and URLs into :class:`Article` objects.

Every answer quotes ``Article.text`` verbatim, so this module never rewrites text: it only
decodes it, normalises line endings and records where the paragraphs are. Bad inputs become
:class:`Skipped` values with a one-line reason instead of exceptions, so one broken file never
stops an ingest run.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from index.text import match_key
from index.types import Article

MAX_BYTES = 10 * 1024 * 1024
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
USER_AGENT = "newsqa/0.1"
MAX_REDIRECTS = 5

_SNIFF_BYTES = 8192
_CONTROL_SHARE = 0.05
# Control bytes that do occur in ordinary text files (tab, LF, VT, FF, CR, BS, ESC).
_TEXT_CONTROLS = frozenset(b"\t\n\x0b\x0c\r\x08\x1b")
_MIN_HTML_WORDS = 5

_TITLE_MAX = 200
_LATE_TITLE_MAX = 150
_TITLE_SEARCH_LINES = 3
_FALLBACK_TITLE_WORDS = 12

_URL_RE = re.compile(r"^https?://", re.IGNORECASE)
_MD_HEADING = re.compile(r"^#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_META_KEYS = ("Source", "Published", "URL", "Author", "Date")
_META_SPLIT = re.compile(r"\s+\|\s+(?=(?:" + "|".join(_META_KEYS) + r"):)", re.IGNORECASE)
_META_FIELD = re.compile(r"^(" + "|".join(_META_KEYS) + r"):\s*(.*)$", re.IGNORECASE)
_CREDIT = re.compile(r"^source\s*:\s*(.+)$", re.IGNORECASE)
_CREDIT_SEPARATORS = (" \u2013 ", " \u2014 ", " - ", ":")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+>#|]|\d+[.)])\s")
_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


@dataclass(frozen=True)
class Skipped:
    """An input that was not ingested, with a one-line human-readable reason."""

    input: str
    reason: str


# --------------------------------------------------------------------------------------------
# Inputs


def is_url(item: str) -> bool:
    """True for ``http(s)://`` inputs, which are fetched instead of read from disk."""
    return bool(_URL_RE.match(item.strip()))


def article_id_for(identity: str) -> str:
    """Stable id from the resolved path or the URL, so re-ingesting updates in place."""
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]


def _is_hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def _suffix_ok(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def _unsupported(path: Path) -> str:
    suffix = path.suffix.lower()
    return f"unsupported file type {suffix}" if suffix else "unsupported file type (no extension)"


def _expand_folder(folder: Path) -> list[Path]:
    """Supported, non-hidden files under ``folder``, sorted by relative path for stable runs."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = Path(dirpath) / name
            if name.startswith(".") or not _suffix_ok(path):
                continue
            if path.is_file():
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(folder).parts)


def iter_inputs(inputs: Sequence[str]) -> Iterator[str | Skipped]:
    """Expand folders into files and keep URLs; missing or unsupported inputs become Skipped.

    Files are yielded as resolved absolute paths (their identity), each at most once.
    """
    seen: set[str] = set()
    for raw in inputs:
        item = raw.strip()
        if is_url(item):
            if item not in seen:
                seen.add(item)
                yield item
            continue
        if "://" in item:
            yield Skipped(raw, f"unsupported URL scheme {item.split('://', 1)[0]}://")
            continue
        path = Path(item).expanduser()
        try:
            if path.is_dir():
                files = _expand_folder(path)
                if not files:
                    yield Skipped(raw, "no supported files in folder")
                for file in files:
                    resolved = str(file.resolve())
                    if resolved not in seen:
                        seen.add(resolved)
                        yield resolved
                continue
            if not path.exists():
                yield Skipped(raw, "no such file or directory")
                continue
        except OSError as exc:
            yield Skipped(raw, _os_reason(exc))
            continue
        if not _suffix_ok(path):
            yield Skipped(raw, _unsupported(path))
            continue
        resolved = str(path.resolve())
        if resolved not in seen:
            seen.add(resolved)
            yield resolved


def load_inputs(inputs: Sequence[str], **kw: Any) -> Iterator[Article | Skipped]:
    """Load every input in order; one HTTP client is shared by all URLs of the run."""
    own: httpx.Client | None = None
    try:
        for item in iter_inputs(inputs):
            if isinstance(item, Skipped):
                yield item
                continue
            if is_url(item) and kw.get("client") is None:
                if own is None:
                    own = _new_client(float(kw.get("timeout", 15.0)))
                yield load_input(item, **{**kw, "client": own})
            else:
                yield load_input(item, **kw)
    finally:
        if own is not None:
            own.close()


def load_input(
    item: str,
    *,
    max_bytes: int = MAX_BYTES,
    timeout: float = 15.0,
    client: httpx.Client | None = None,
) -> Article | Skipped:
    """Read one file or URL. Never raises for bad input: problems come back as Skipped."""
    item = item.strip()
    try:
        if is_url(item):
            return _load_url(item, max_bytes=max_bytes, timeout=timeout, client=client)
        return _load_file(item, max_bytes=max_bytes)
    except Exception as exc:  # a broken input must never abort the whole ingest run
        return Skipped(item, f"unexpected error: {type(exc).__name__}: {_short(str(exc))}")


# --------------------------------------------------------------------------------------------
# Files


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    return _short(exc.strerror or str(exc)).lower()


def _load_file(item: str, *, max_bytes: int) -> Article | Skipped:
    path = Path(item).expanduser()
    try:
        if path.is_dir():
            return Skipped(item, "is a directory")
        if not _suffix_ok(path):
            reason = _unsupported(path) if path.exists() else "no such file or directory"
            return Skipped(item, reason)
        resolved = path.resolve()
        size = resolved.stat().st_size  # checked before reading anything
        if size > max_bytes:
            return Skipped(item, f"file too large ({_size(size)} > {_size(max_bytes)} limit)")
        with resolved.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as exc:
        return Skipped(item, _os_reason(exc))
    if len(data) > max_bytes:
        return Skipped(item, f"file too large (> {_size(max_bytes)} limit)")
    if resolved.suffix.lower() in HTML_SUFFIXES:
        return _from_html_bytes(item, data, charset=None, path=str(resolved), url=None)
    text = _decode(item, data, charset=None)
    if isinstance(text, Skipped):
        return text
    return parse_text(text, path=str(resolved))


# --------------------------------------------------------------------------------------------
# URLs


def _new_client(timeout: float) -> httpx.Client:
    return httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT},
    )


def _fetch_reason(exc: httpx.HTTPError | httpx.InvalidURL) -> str:
    """A short, traceback-free reason for a failed fetch."""
    if isinstance(exc, httpx.TooManyRedirects):
        return f"could not fetch: more than {MAX_REDIRECTS} redirects"
    if isinstance(exc, httpx.TimeoutException):
        return "could not fetch: timed out"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "invalid URL"
    msg = _ERRNO.sub("", str(exc).strip().splitlines()[0] if str(exc).strip() else "")
    if "refused" in msg.lower():
        return "could not fetch: connection refused"
    return f"could not fetch: {_short(msg) or type(exc).__name__}"


def _load_url(
    url: str, *, max_bytes: int, timeout: float, client: httpx.Client | None
) -> Article | Skipped:
    own = client is None
    http = _new_client(timeout) if client is None else client
    try:
        with http.stream("GET", url, timeout=timeout) as resp:
            if not resp.is_success:
                return Skipped(url, f"HTTP {resp.status_code} {resp.reason_phrase}".strip())
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                big = _size(int(declared))
                return Skipped(url, f"response too large ({big} > {_size(max_bytes)} limit)")
            chunks: list[bytes] = []
            total = 0
            for chunk in resp.iter_bytes():
                total += len(chunk)
                if total > max_bytes:  # stop reading: never hold more than the cap
                    return Skipped(url, f"response too large (> {_size(max_bytes)} limit)")
                chunks.append(chunk)
            content_type = resp.headers.get("content-type", "")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return Skipped(url, _fetch_reason(exc))
    finally:
        if own:
            http.close()
    data = b"".join(chunks)
    mime, charset = _parse_content_type(content_type)
    kind = _content_kind(mime, url, data)
    if kind is None:
        return Skipped(url, f"unsupported content type {mime}")
    if not data.strip():
        return Skipped(url, "empty response")
    if kind == "html":
        return _from_html_bytes(url, data, charset=charset, path=None, url=url)
    text = _decode(url, data, charset=charset)
    if isinstance(text, Skipped):
        return text
    return parse_text(text, url=url)


def _parse_content_type(value: str) -> tuple[str, str | None]:
    parts = [p.strip() for p in value.split(";")]
    mime = parts[0].lower()
    charset = None
    for param in parts[1:]:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'")
    return mime, charset


def _content_kind(mime: str, url: str, data: bytes) -> str | None:
    """``"html"``, ``"text"`` or None (unsupported), from the content type or by sniffing."""
    if mime in ("text/html", "application/xhtml+xml"):
        return "html"
    if mime in ("text/plain", "text/markdown", "text/x-markdown"):
        return "text"
    if mime and mime not in ("application/octet-stream", "binary/octet-stream"):
        return None
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    suffix = Path(urlsplit(url).path).suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    return "text"


# --------------------------------------------------------------------------------------------
# Decoding


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def _short(msg: str, limit: int = 120) -> str:
    msg = " ".join(msg.split())
    return msg if len(msg) <= limit else msg[: limit - 1] + "…"


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes mean the file is not text (images, PDFs, archives)."""
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if (b < 0x20 or b == 0x7F) and b not in _TEXT_CONTROLS)
    return controls > _CONTROL_SHARE * len(head)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(item: str, data: bytes, *, charset: str | None) -> str | Skipped:
    """Strict decoding: a wrongly decoded character would make quotes unverifiable."""
    if not data:
        return Skipped(item, "empty file")
    if _looks_binary(data):
        return Skipped(item, "binary file (not text)")
    codec = _codec(charset)
    if codec is not None and codec != "utf-8":
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            bad, at = data[exc.start], exc.start
            return Skipped(item, f"not valid {charset} text (byte 0x{bad:02x} at offset {at})")
    else:
        bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        try:
            text = data[bom:].decode("utf-8")
        except UnicodeDecodeError as exc:
            offset = bom + exc.start
            return Skipped(
                item, f"not valid UTF-8 text (byte 0x{data[offset]:02x} at offset {offset})"
            )
    text = _normalise_newlines(text)
    if not text.strip():
        return Skipped(item, "empty file")
    return text


def _codec(charset: str | None) -> str | None:
    """Python codec name for a declared charset; unknown names fall back to UTF-8."""
    if not charset:
        return None
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        return None
    return "utf-8" if name in ("utf-8", "utf-8-sig") else name


# --------------------------------------------------------------------------------------------
# HTML


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


def _first(*values: str | None) -> str | None:
    for value in values:
        if value and value.strip():
            return " ".join(value.split())
    return None


def _html_charset(data: bytes, declared: str | None) -> str | None:
    if declared:
        return declared
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _from_html_bytes(
    item: str, data: bytes, *, charset: str | None, path: str | None, url: str | None
) -> Article | Skipped:
    html = _decode(item, data, charset=charset)
    if isinstance(html, Skipped) and html.reason.startswith("not valid UTF-8"):
        fallback = _html_charset(data, charset)  # honour <meta charset> for legacy pages
        if _codec(fallback) not in (None, "utf-8"):
            html = _decode(item, data, charset=fallback)
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
        return Skipped(label, f"could not parse HTML: {_short(str(exc)) or type(exc).__name__}")
    body = getattr(doc, "text", None) if doc is not None else None
    text = _normalise_newlines(body or "").strip("\n")
    if len(text.split()) < _MIN_HTML_WORDS:
        return Skipped(label, "no article text found in HTML")
    head = _head_meta(html)
    meta = head.meta
    title = _first(meta.get("og:title"), getattr(doc, "title", None), head.title)
    source = _first(meta.get("og:site_name"), getattr(doc, "sitename", None), meta.get("author"))
    published = _first(
        meta.get("article:published_time"),
        meta.get("datepublished"),
        meta.get("date"),
        meta.get("pubdate"),
        getattr(doc, "date", None),
    )
    page_url = url or _first(meta.get("canonical"), meta.get("og:url"), getattr(doc, "url", None))
    return parse_text(
        text,
        path=path,
        url=page_url,
        title_hint=title,
        source_hint=source,
        published_hint=published,
    )


# --------------------------------------------------------------------------------------------
# Plain text


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str) -> list[_Line]:
    """Non-empty lines as spans trimmed of surrounding whitespace."""
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            out.append(_Line(pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw) + 1
    return out


def _heading_text(line: str) -> str:
    match = _MD_HEADING.match(line)
    return match.group(1).strip() if match else line.strip()


def _parse_meta_line(line: str) -> dict[str, str] | None:
    """``Source: X | Published: T | URL: U`` (eval-dev corpus format) → fields, else None.

    Splits only before a known key, because source names contain ``|`` themselves
    (``Cnbc | World Business News Leader``).
    """
    parts = _META_SPLIT.split(line.strip())
    if len(parts) < 2:
        return None
    fields: dict[str, str] = {}
    for part in parts:
        match = _META_FIELD.match(part.strip())
        if not match:
            return None
        fields[match.group(1).lower()] = match.group(2).strip()
    return fields


def _looks_like_headline(line: str, *, first: bool) -> bool:
    """Short and not a sentence. The first line may end in ``?``/``!`` (question headlines)."""
    if _MD_HEADING.match(line):
        return True
    text = line.strip()
    limit = _TITLE_MAX if first else _LATE_TITLE_MAX
    if not text or len(text) > limit or _CREDIT.match(text) or _parse_meta_line(text):
        return False
    if text.endswith((".", ",", ";")) and not text.endswith("..."):
        return False
    if text.endswith(("?", "!")) and not (first and len(text) <= 120):
        return False
    # A later line must look like a proper headline, not a label ("Update:") or a fragment.
    return first or (not text.endswith(":") and len(text.split()) >= 3)


def _fallback_title(text: str) -> str:
    words = text.split()
    if len(words) <= _FALLBACK_TITLE_WORDS:
        return " ".join(words)
    return " ".join(words[:_FALLBACK_TITLE_WORDS]) + "…"


def _credit_source(rest: str) -> str:
    """``CNN – Some headline`` → ``CNN``: the part before the first separator."""
    cut = len(rest)
    for sep in _CREDIT_SEPARATORS:
        idx = rest.find(sep)
        if 0 < idx < cut:
            cut = idx
    return rest[:cut].strip()


def _wrap_width(lines: list[_Line], text: str) -> int:
    """Width the text seems hard-wrapped at, or 0 when paragraphs are one line each.

    Wrapped text has blank lines between paragraphs and no line longer than a terminal width.
    """
    if "\n\n" not in text or len(lines) < 4:
        return 0
    longest = max(len(line.text) for line in lines)
    return longest if 50 <= longest <= 100 else 0


def _blocks(lines: list[_Line], text: str) -> list[list[_Line]]:
    """Group lines into paragraphs: one line each, unless the text is hard-wrapped.

    A line joins the previous one only if they are adjacent in ``text`` and the previous line
    was filled close to the wrap width (so short list items and headings stay apart).
    """
    width = _wrap_width(lines, text)
    blocks: list[list[_Line]] = []
    for line in lines:
        prev = blocks[-1][-1] if blocks else None
        joinable = (
            width > 0
            and prev is not None
            and text[prev.end : line.start].count("\n") == 1
            and len(prev.text) >= 0.6 * width
            and not _LIST_MARKER.match(prev.text)
            and not _LIST_MARKER.match(line.text)
        )
        if joinable:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def parse_text(
    raw: str,
    *,
    path: str | None = None,
    url: str | None = None,
    title_hint: str | None = None,
    source_hint: str | None = None,
    published_hint: str | None = None,
) -> Article | Skipped:
    """Build an Article from decoded text: title, metadata line, credit line and paragraphs.

    ``Article.text`` is ``raw`` with only line endings normalised; everything else (title,
    source, paragraph spans) is derived from it without changing it.
    """
    text = _normalise_newlines(raw.removeprefix("\ufeff"))
    label = path or url or "<text>"
    if not text.strip():
        return Skipped(label, "empty file")
    lines = _lines(text)
    skip: set[int] = set()  # indexes into ``lines`` that are not paragraphs
    fields: dict[str, str] = {}

    # Title: the hint, else a headline among the first lines, else the opening words.
    hinted = bool(title_hint and title_hint.strip())
    title_idx: int | None = None
    meta_idx: int | None = None
    if len(lines) > 1 and _parse_meta_line(lines[1].text) is not None:
        title_idx, meta_idx = 0, 1
    elif _parse_meta_line(lines[0].text) is not None:
        meta_idx = 0
    elif hinted:
        pass
    elif _looks_like_headline(lines[0].text, first=True):
        title_idx = 0
    else:
        for i in range(1, min(len(lines), _TITLE_SEARCH_LINES)):
            if _looks_like_headline(lines[i].text, first=False):
                title_idx = i
                break
    if meta_idx is not None:
        fields = _parse_meta_line(lines[meta_idx].text) or {}
        skip.add(meta_idx)
    if title_hint and hinted:
        title = " ".join(title_hint.split())
    elif title_idx is not None:
        title = _heading_text(lines[title_idx].text)
    else:
        title = _fallback_title(" ".join(ln.text for i, ln in enumerate(lines) if i not in skip))
    title_key = match_key(title)
    title_lines = [
        i for i, line in enumerate(lines) if match_key(_heading_text(line.text)) == title_key
    ]
    if title_idx is not None:
        title_lines.append(title_idx)
    skip.update(title_lines)  # a headline repeated as body is still the headline

    # Trailing credit line: "Source: CNN – <original headline>".
    credit: str | None = None
    last = len(lines) - 1
    if last not in skip and last > 0:
        match = _CREDIT.match(lines[last].text)
        if match and _parse_meta_line(lines[last].text) is None:
            credit = _credit_source(match.group(1)) or None
            skip.add(last)

    # Paragraphs: first occurrence of each match key only.
    kept: list[tuple[int, int]] = []
    seen: set[str] = set()
    body = [(i, line) for i, line in enumerate(lines) if i not in skip]
    for block in _blocks([line for _, line in body], text):
        start, end = block[0].start, block[-1].end
        key = match_key(text[start:end])
        if key in seen:
            continue
        seen.add(key)
        kept.append((start, end))
    if not kept and title_lines:  # only a headline: index it rather than lose all content
        first = lines[min(title_lines)]
        kept.append((first.start, first.end))

    identity = path or url or f"text:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"
    return Article(
        article_id=article_id_for(identity),
        text=text,
        title=title,
        paragraphs=tuple(kept),
        source=_first(source_hint, fields.get("source"), credit),
        published=_first(published_hint, fields.get("published"), fields.get("date")),
        url=_first(url, fields.get("url")),
        path=path,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
