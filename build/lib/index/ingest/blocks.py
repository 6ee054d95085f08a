"""Kinds of paragraphs: which parts of a news page are body text a reader may be quoted.

Full news pages carry more than the story: subheadings, photo captions, bylines, "related"
link lists, wire headers, tables. Quoting any of those as evidence misleads ("Only Real
Outcome From Istanbul Talks" is a subheading, not a fact), so every paragraph gets a
:class:`BlockKind` and only body sentences and table rows (with their header) are quoted.

The rules are about the *shape* of a paragraph (length, final punctuation, markers, the
neighbours), never about particular stories.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.types import Block, BlockKind

# A heading-like line: short, no sentence-final punctuation.
_SHORT_WORDS = 12
_SHORT_CHARS = 100
_TITLE_WORDS = 20
_TITLE_CASE_SHARE = 0.6
_SENTENCE_END = re.compile(r"""[.!?…]["'”’)\]]*$""")
_MD_HEADING = re.compile(r"^#{1,6}\s")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•·▪►]|\d{1,3}[.)])\s+")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_TAB_ROW = re.compile(r"\t.*\t")

_BOILERPLATE = re.compile(
    r"^(?:read (?:more|next|the full)|related(?: stories| articles| content| coverage| links"
    r"| topics| news)?\b|see also\b|more on this story|more from\b|subscribe\b|sign up\b|"
    r"share (?:this|on|via)\b|follow (?:us|@)|advertisement\b|sponsored\b|click here\b|"
    r"watch:|listen:|watch (?:the )?video\b|image copyright\b|media playback\b|"
    r"copyright\b|©|\(c\) ?\d{4}|all rights reserved\b|we use cookies\b|this (?:site|website) "
    r"uses cookies\b|accept (?:all )?cookies\b|cookie (?:policy|settings)\b|skip to\b|"
    r"jump to\b|(?:get|sign up for) (?:our|the) newsletter|download (?:our|the) app\b|most "
    r"(?:read|popular|viewed)\b|top stories\b|recommended\b|you may also like\b|"
    r"please enable javascript|loading\b|continue reading\b|already a subscriber\b|"
    r"this article (?:is|was) (?:more than|over) \d|this material may not be published\b)",
    re.IGNORECASE,
)
_TIMESTAMP = re.compile(r"^\(?\d{1,2}:\d{2}(?::\d{2})?\)?$")
_WIRE_HEADER = re.compile(
    r"^(?:update \d+\s*[-:–—]|\(updates? (?:with|to|throughout)\b|breaking(?: news)?\s*:|"
    r"exclusive\s*[-:–—]|corrected\s*[-:–—]|refile\s*[-:–—])",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^(?:by\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}(?:\s*(?:,|and|&)\s*[A-Z][\w.'’-]*"
    r"(?:\s+[A-Z][\w.'’-]*){0,3})*(?:\s*[,|–—-]\s*.{0,60})?|"
    r"\(?(?:additional )?(?:reporting|writing|editing|compiled|research) by\b.*|"
    r"[\w.+-]+@[\w-]+\.[\w.]+)$",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"^(?:(?:image|photo|picture|photograph|caption|video|graphic)(?: caption| credit)?\s*"
    r"[:|–—-]|\(?photo(?:graph)? (?:by|credit)\b|image source\b)"
    r"|(?:getty images|afp|reuters|ap photo[^)]*|epa|pa media|shutterstock)\)?\s*$",
    re.IGNORECASE,
)
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+)*(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*){0,2})?"
    r"\s*(?:\([A-Za-z .&/-]{2,30}\))?\s*(?:—|–|--|-)\s+"
    r"|[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}\s*\((?:CNN|AP|AFP|Reuters|UPI|dpa|Xinhua|"
    r"CNN Business|CNN Money)\)\s*(?:(?:—|–|--|-)\s*)?)"
)
_META_LINE = re.compile(
    r"^(?:published|updated|posted|last updated|first published|date)(?: on)?\s*:?\s+"
    r"\S.{3,60}$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Para:
    """A paragraph candidate: its span in the article text and its (trimmed) text."""

    start: int
    end: int
    text: str


def is_short_line(text: str) -> bool:
    """Heading-shaped: no sentence-final punctuation, and at most 12 words and 100
    characters, or up to 20 words in Title Case (a headline in a "related" list)."""
    t = text.strip()
    if not t or _SENTENCE_END.search(t):
        return False
    words = t.split()
    if len(t) <= _SHORT_CHARS and len(words) <= _SHORT_WORDS:
        return True
    if len(words) > _TITLE_WORDS:
        return False
    capitalised = sum(1 for w in words if w[:1].isupper() or not w[:1].isalpha())
    return capitalised >= _TITLE_CASE_SHARE * len(words)


def meta_date_line(text: str) -> str | None:
    """``Published: 14 February 2025`` → ``14 February 2025`` (a date line of its own)."""
    t = text.strip()
    if not _META_LINE.match(t):
        return None
    return re.sub(r"^[^:]*:\s*|^\S+(?: on)?\s+", "", t, count=1).strip()


def _single_kind(text: str) -> BlockKind | None:
    """The kind a paragraph has by its own shape, or None when its neighbours decide."""
    t = text.strip()
    words = len(t.split())
    if _MD_HEADING.match(t):
        return BlockKind.SUBHEADING
    if _TIMESTAMP.match(t) or (words <= 40 and _BOILERPLATE.match(t)):
        return BlockKind.BOILERPLATE
    if words <= 30 and _WIRE_HEADER.match(t):
        return BlockKind.META
    if meta_date_line(t) is not None:
        return BlockKind.META
    if words <= 14 and _BYLINE.match(t):
        return BlockKind.BYLINE
    if words <= 40 and _CAPTION.search(t) and not _SENTENCE_END.search(t.rstrip(")")):
        return BlockKind.CAPTION
    if _LIST_ITEM.match(t):
        sentence = bool(_SENTENCE_END.search(t)) and words >= 6
        return BlockKind.BODY if sentence else BlockKind.LIST
    return None


def classify(paras: Sequence[Para]) -> list[Block]:
    """Blocks for an article's paragraphs (in order), after title and metadata lines are gone.

    Tables: a run of ``| a | b |`` rows (or tab-separated rows) becomes one ``TABLE`` block
    per data row, each carrying the first row as its header; the ``|---|`` rule is dropped.
    A run of two or more heading-shaped lines is a link list (boilerplate); a single one is a
    subheading. A dateline prefix (``SPRINGFIELD, Ill. (AP) —``, ``Paris (CNN)``) becomes a
    block of its own before the body.
    """
    blocks: list[Block] = []
    i = 0
    n = len(paras)
    while i < n:
        p = paras[i]
        if _TABLE_ROW.match(p.text) or _TAB_ROW.search(p.text):
            j = i
            tab = not _TABLE_ROW.match(p.text)
            while j < n and (_TAB_ROW.search(paras[j].text) if tab else
                             _TABLE_ROW.match(paras[j].text)):
                j += 1
            if j - i >= 2 or not tab:  # one tab-separated line is not a table
                blocks.extend(_table(paras[i:j]))
                i = j
                continue
        kind = _single_kind(p.text)
        if kind is not None:
            blocks.append(Block(kind, p.start, p.end))
            i += 1
            continue
        if is_short_line(p.text):
            j = i
            while j < n and is_short_line(paras[j].text) and _single_kind(paras[j].text) is None:
                j += 1
            run = j - i
            for q in paras[i:j]:
                kind = BlockKind.BOILERPLATE if run >= 2 else (
                    BlockKind.SUBHEADING if q.text.rstrip().endswith(":") or j < n
                    else BlockKind.CAPTION
                )
                blocks.append(Block(kind, q.start, q.end))
            i = j
            continue
        blocks.extend(_body(p))
        i += 1
    return blocks


def _table(rows: Sequence[Para]) -> list[Block]:
    kept = [r for r in rows if not _TABLE_RULE.match(r.text)]
    if len(kept) == 1:
        return [Block(BlockKind.TABLE, kept[0].start, kept[0].end)]
    header = (kept[0].start, kept[0].end)
    out = [Block(BlockKind.META, kept[0].start, kept[0].end)]
    out += [Block(BlockKind.TABLE, r.start, r.end, header=header) for r in kept[1:]]
    return out


def _body(p: Para) -> list[Block]:
    match = _DATELINE.match(p.text)
    if match and len(p.text) - match.end() > 20:
        cut = p.start + match.end()
        head_end = p.start + len(p.text[: match.end()].rstrip())
        return [Block(BlockKind.DATELINE, p.start, head_end), Block(BlockKind.BODY, cut, p.end)]
    return [Block(BlockKind.BODY, p.start, p.end)]
