"""Decoded text → :class:`Article`: title, the ``Source: | Published: | URL:`` line, a trailing
credit line and the paragraphs to index. ``Article.text`` is the text exactly as decoded (line
endings normalised), so every quote can be checked against it by offset.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from index.ingest.blocks import Para, classify, meta_date_line
from index.ingest.dates import in_future, parse_date
from index.ingest.decode import normalise_newlines
from index.ingest.language import detect_language
from index.ingest.skipped import Skipped
from index.text import display, match_key
from index.types import QUOTABLE, Article, Block, BlockKind

_TITLE_MAX = 200
_LATE_TITLE_MAX = 150
_TITLE_SEARCH_LINES = 3
_FALLBACK_TITLE_WORDS = 12

_MD_HEADING = re.compile(r"^#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_META_KEYS = ("Source", "Published", "URL", "Author", "Date")
_META_SPLIT = re.compile(r"\s+\|\s+(?=(?:" + "|".join(_META_KEYS) + r"):)", re.IGNORECASE)
_META_FIELD = re.compile(r"^(" + "|".join(_META_KEYS) + r"):\s*(.*)$", re.IGNORECASE)
_CREDIT = re.compile(r"^source\s*:\s*(.+)$", re.IGNORECASE)
_CREDIT_SEPARATORS = (" \u2013 ", " \u2014 ", " - ", ":")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+>#|]|\d+[.)])\s")


def article_id_for(identity: str) -> str:
    """Stable id from the resolved path or the URL, so re-ingesting updates in place."""
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]


def first_of(*values: str | None) -> str | None:
    for value in values:
        if value and value.strip():
            return " ".join(value.split())
    return None


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


def _parse_meta_line(line: str, *, single: bool = False) -> dict[str, str] | None:
    """``Source: X | Published: T | URL: U`` (eval-dev corpus format) → fields, else None.
    With ``single`` (the line right under the title), one short field such as
    ``Source: Business Now`` is enough.

    Splits only before a known key, because source names contain ``|`` themselves
    (``Cnbc | World Business News Leader``).
    """
    parts = _META_SPLIT.split(line.strip())
    short = single and len(line) <= 80 and not re.search(r"[.!?]$", line.strip())
    if len(parts) < 2 and not short:
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
    text = normalise_newlines(raw.removeprefix("\ufeff"))
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
    if len(lines) > 1 and _parse_meta_line(lines[1].text, single=True) is not None:
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
        fields = _parse_meta_line(lines[meta_idx].text, single=meta_idx == 1) or {}
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

    # Paragraphs: first occurrence of each match key only, then each gets a kind.
    paras: list[Para] = []
    seen: set[str] = set()
    dated: str | None = None
    body = [(i, line) for i, line in enumerate(lines) if i not in skip]
    for group in _blocks([line for _, line in body], text):
        start, end = group[0].start, group[-1].end
        key = match_key(text[start:end])
        if key in seen:
            continue
        seen.add(key)
        paras.append(Para(start, end, text[start:end]))
        if dated is None and len(paras) <= 8:
            dated = meta_date_line(text[start:end])
    blocks = classify(paras)
    blocks += [Block(BlockKind.HEADLINE, lines[i].start, lines[i].end) for i in set(title_lines)]
    if meta_idx is not None:
        blocks.append(Block(BlockKind.META, lines[meta_idx].start, lines[meta_idx].end))
    if credit is not None:
        blocks.append(Block(BlockKind.BYLINE, lines[last].start, lines[last].end))
    blocks.sort(key=lambda b: (b.start, b.end))
    if not any(b.kind in QUOTABLE for b in blocks):
        return Skipped(label, "no article text (only headings, captions, links or metadata)")

    notes: list[str] = []
    sample = " ".join(text[b.start : b.end] for b in blocks if b.kind in QUOTABLE)[:4000]
    language = detect_language(sample)
    if language != "en":
        notes.append(f"detected language {language!r}, not English: answers are tuned for "
                     "English")
    published_raw = first_of(published_hint, fields.get("published"), fields.get("date"), dated)
    published = parse_date(published_raw) if published_raw else None
    if published_raw and published is None:
        notes.append(f"publication date not understood: {published_raw[:40]!r}")
    elif published is not None and in_future(published):
        notes.append(f"publication date {published} is in the future: treated as undated")
        published = None
    identity = path or url or f"text:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"
    return Article(
        article_id=article_id_for(identity),
        text=text,
        title=display(title),
        blocks=tuple(blocks),
        source=first_of(source_hint, fields.get("source"), credit),
        published=published,
        url=first_of(url, fields.get("url")),
        path=path,
        language=language,
        notes=tuple(notes),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
