"""Telegram HTML rendering of an ``Answer``, and splitting into messages Telegram accepts.

Everything from articles and users is escaped; tags are only ever produced here, in balanced
pairs. Messages are built from blocks (a paragraph, a source line with its quote) and packed
into parts of at most 4096 UTF-16 units; a block that alone is too long is cut at line, sentence
or word boundaries *in its plain text*, and each piece is wrapped in its own tags, so a cut can
never fall inside a tag or an entity.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlsplit

from bot.escape import BIDI_CONTROLS, TITLE_MAX, escape_name
from bot.escape import shorten as shorten_line
from index.types import Answer, ArticleInfo, Citation, IngestReport

MAX_MESSAGE = 4096
EXPANDABLE_OVER = 300
"""Quotes longer than this (characters) are shown collapsed (``<blockquote expandable>``)."""
QUOTE_PREVIEW = 700
"""The answer message shows at most this much of a quote; the "full sources" view shows all."""
MAX_ANSWER_MESSAGES = 3
"""An answer takes at most this many messages; further quotes wait behind the button."""
MAX_FULL_MESSAGES = 5
"""The "Show full sources" view takes at most this many, then says "…and N more"."""
_META_MAX = TITLE_MAX  # a title or outlet longer than this is hostile or broken: shorten it

# C0 controls (but \t and \n), DEL, and lone surrogates: Telegram (or UTF-8 encoding) rejects
# them. Bidi controls from articles could reorder what the reader sees (a right-to-left
# override flips the rest of a line): stripped too, as the terminal renderer does.
_BAD_CHARS = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f{BIDI_CONTROLS}\\ud800-\\udfff]")


_TAG = re.compile(r"<[^>]*>")  # only our own tags: escaped text never contains "<" or ">"


def clean(text: str) -> str:
    """Text safe to send: no control characters or lone surrogates, CR-LF made LF."""
    return _BAD_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def esc(text: str) -> str:
    return html.escape(clean(text), quote=False)


def u16len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """Clean, on one line, at most ``limit`` characters (``bot.escape.shorten``)."""
    return shorten_line(clean(text), limit)


def shorten_raw(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, keeping every character (for escaping later)."""
    return text if len(text) <= limit else text[:limit] + "…"


def safe_href(url: str | None) -> str | None:
    """An escaped ``href`` value for http(s) URLs only; anything else is not linked."""
    if not url or len(url) > 2000 or _BAD_CHARS.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return html.escape(url, quote=True)


@dataclass(frozen=True)
class Block:
    """One unit of a message: ``head`` (short, balanced HTML, never split) then ``text``
    (plain, escaped here, split if needed) wrapped in ``open``/``close``."""

    text: str = ""
    head: str = ""
    open: str = ""
    close: str = ""
    sep: str = "\n\n"
    """What separates this block from the previous one in the same message."""

    def render(self, text: str, *, first: bool) -> str:
        body = f"{self.open}{esc(text)}{self.close}" if text else ""
        return (self.head if first else "") + body

    def pieces(self, limit: int) -> list[str]:
        text = clean(self.text).strip()
        whole = self.render(text, first=True)
        if u16len(whole) <= limit:
            return [whole]
        out: list[str] = []
        first = True
        while text:
            budget = limit - u16len(self.render("x", first=first)) + 1
            piece, text = _cut(text, budget)
            if not piece:  # the head alone fills the part: send it by itself
                if not first:
                    raise ValueError(f"limit {limit} too small to split text")
                out.append(self.head)
                first = False
                continue
            out.append(self.render(piece, first=first))
            first = False
        return out


def _cut(text: str, budget: int) -> tuple[str, str]:
    """The longest prefix of ``text`` whose escaped UTF-16 length fits ``budget``, ending at a
    paragraph, line, sentence or word boundary when one is in the second half."""
    used = 0
    end = 0
    for i, ch in enumerate(text):
        used += u16len(esc(ch))
        if used > budget:
            break
        end = i + 1
    else:
        return text, ""
    if end == 0:
        return "", text
    window = text[:end]
    for sep in ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " "):
        at = window.rfind(sep)
        if at >= end // 2:
            cut = at + len(sep)
            return text[:cut].rstrip(), text[cut:].lstrip()
    # No boundary: cut hard, but not between a character and its combining marks / ZWJ.
    while end > 1 and (text[end] in "\u200d\ufe0f" or _is_combining(text[end])):
        end -= 1
    return text[:end], text[end:]


def _is_combining(ch: str) -> bool:
    import unicodedata

    return unicodedata.combining(ch) != 0


def pack(blocks: Iterable[Block], limit: int = MAX_MESSAGE) -> list[str]:
    """Join blocks into as few messages as possible, each at most ``limit`` UTF-16 units."""
    parts: list[str] = []
    current = ""
    for block in blocks:
        for piece in block.pieces(limit):
            joined = f"{current}{block.sep}{piece}" if current else piece
            if u16len(joined) <= limit:
                current = joined
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    # Telegram rejects a message with no visible text (e.g. only a removed control character).
    return [p for p in parts if html.unescape(_TAG.sub("", p)).strip()] or ["…"]


# ----------------------------------------------------------------------------------------------
# Answers


def _date(published: str | None) -> str:
    return (published or "")[:10]


def _link(title: str, url: str | None) -> str:
    href = safe_href(url)
    label = esc(shorten(title, _META_MAX)) or "article"
    return f'<a href="{href}">{label}</a>' if href else label


def _article_line(a: ArticleInfo) -> str:
    meta = ", ".join(esc(shorten(x, _META_MAX)) for x in (a.source, _date(a.published)) if x)
    return f"• {_link(a.title, a.url)}" + (f" — {meta}" if meta else "")


def _source_line(c: Citation, *, full: bool) -> str:
    bits = [esc(shorten(x, _META_MAX)) for x in (c.source, _date(c.published)) if x]
    bits.append(_link(c.title, c.url))
    head = f"<b>[{c.n}]</b> " + " · ".join(bits)
    if full:
        extra = []
        if c.url and not safe_href(c.url):
            extra.append(esc(shorten(c.url, _META_MAX)))
        if c.path:
            extra.append(esc(shorten(PurePath(c.path).name, _META_MAX)))
        extra.append(f"id {esc(c.article_id)}")
        head += "\n<i>" + " · ".join(extra) + "</i>"
    return head


def _quote_block(c: Citation, *, full: bool) -> Block:
    quote = clean(c.quote).strip()
    if not full and len(quote) > QUOTE_PREVIEW:
        quote = shorten(quote, QUOTE_PREVIEW)
    tag = "<blockquote expandable>" if len(quote) > EXPANDABLE_OVER else "<blockquote>"
    return Block(
        text=quote, head=_source_line(c, full=full) + "\n", open=tag, close="</blockquote>"
    )


def _paragraphs(text: str) -> list[Block]:
    paras = [p.strip() for p in re.split(r"\n\s*\n", clean(text)) if p.strip()]
    return [Block(text=p) for p in paras]


def answer_blocks(answer: Answer, *, full: bool = False) -> list[Block]:
    """Every block of an answer (uncapped): see ``render_answer`` for the cap."""
    head, quotes, tail = _answer_sections(answer, full=full)
    return [*head, *quotes, *tail]


def _answer_sections(
    answer: Answer, *, full: bool
) -> tuple[list[Block], list[Block], list[Block]]:
    """(answer text and notice, one block per quote, closest articles)."""
    blocks: list[Block] = []
    if answer.refused:
        paras = _paragraphs(answer.answer) or [Block(text="I could not find that in the articles.")]
        blocks.append(Block(text=paras[0].text, head="🤷 "))
        blocks.extend(paras[1:])
    else:
        for conflict in answer.conflicts:
            if all(cl.value and cl.value in answer.answer for cl in conflict.claims):
                continue  # the answer text states it already: say it once
            update = conflict.kind == "update"
            claims = (" ← " if update else " vs ").join(
                f"<b>{esc(shorten(cl.value, _META_MAX))}</b>"
                + (f" ({esc(cl.published)}{', latest' if update and not i else ''})"
                   if cl.published else "")
                + " " + " ".join(f"[{n}]" for n in cl.citations)
                for i, cl in enumerate(conflict.claims)
            )
            topic = esc(shorten(conflict.topic, _META_MAX))
            head = (f"↻ <b>Updated</b> the {topic}:" if update
                    else f"⚠️ <b>Sources disagree</b> on the {topic}:")
            blocks.append(Block(head=f"{head} {claims}"))
        blocks.extend(_paragraphs(answer.answer) or [Block(text="(no answer text)")])
    if answer.notice:
        blocks.append(Block(text=answer.notice, open="<i>", close="</i>"))
    quotes = [_quote_block(c, full=full) for c in answer.citations]
    tail: list[Block] = []
    if answer.refused and answer.closest:
        tail.append(Block(head="<b>Closest articles</b>"))
        tail.extend(Block(head=_article_line(a), sep="\n") for a in answer.closest)
    return blocks, quotes, tail


def _more(hidden: int, *, full: bool) -> Block:
    what = f"…and {hidden} more source{'s' if hidden != 1 else ''}"
    return Block(head=f"<i>{what}</i>" if full else f"<i>{what}: tap “Show full sources”.</i>")


def render_answer(
    answer: Answer, *, full: bool = False, limit: int = MAX_MESSAGE, max_messages: int | None = None
) -> list[str]:
    """HTML messages for an answer. ``full`` shows whole quotes and every source detail.

    One answer never floods a chat: at most ``max_messages`` messages (default
    ``MAX_ANSWER_MESSAGES``, or ``MAX_FULL_MESSAGES`` for the full view). Quotes that do not
    fit are left out from the last one back, and a closing line says how many ("…and N
    more sources"); an answer text too long even alone is cut at the last message.
    """
    cap = max_messages or (MAX_FULL_MESSAGES if full else MAX_ANSWER_MESSAGES)
    head, quotes, tail = _answer_sections(answer, full=full)
    parts = pack([*head, *quotes, *tail], limit)
    if len(parts) <= cap:
        return parts
    for kept in range(len(quotes) - 1, -1, -1):
        more = _more(len(quotes) - kept, full=full)
        parts = pack([*head, *quotes[:kept], more, *tail], limit)
        if len(parts) <= cap:
            return parts
    return parts[:cap]  # the text alone is too long: its first ``cap`` messages


# ----------------------------------------------------------------------------------------------
# Other replies


def render_sources(articles: Sequence[ArticleInfo], limit: int = MAX_MESSAGE) -> list[str]:
    if not articles:
        return ["The index is empty: no articles yet."]
    blocks = [Block(head=f"<b>{len(articles)} indexed article{'s' if len(articles) != 1 else ''}"
                         "</b>")]
    blocks.extend(Block(head=_article_line(a), sep="\n") for a in articles)
    return pack(blocks, limit)


def render_ingest(report: IngestReport, limit: int = MAX_MESSAGE) -> list[str]:
    """The summary line, then each skipped input with its reason."""
    blocks = [Block(head=f"<b>{esc(report.summary())}</b>")]
    for item, reason in report.skipped:
        name = PurePath(item).name if "://" not in item else item
        line = f"skipped {escape_name(shorten_raw(name, _META_MAX))}: {escape_name(reason)}"
        blocks.append(Block(text=line, sep="\n"))
    return pack(blocks, limit)


def strip_html(part: str) -> str:
    """A rendered part as plain text (the fallback if Telegram ever rejects our HTML)."""
    return html.unescape(_TAG.sub("", part))


def plain(text: str) -> str:
    """Escape a short plain message for HTML parse mode."""
    return esc(text)
