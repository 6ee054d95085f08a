"""Sentence-aware chunking sized for MiniLM, with absolute character offsets.

Only quotable blocks (body paragraphs, table rows) are chunked; chunks never cross a block
(consecutive rows of one table share chunks) and never cut a sentence, so every quote the
composer picks is a whole sentence (or a row with its table's header) whose offsets in the
article are known. The subheading above a block travels with its chunks as search context.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from index.ingest.segment import sentence_spans
from index.text import display
from index.types import Article, Block, BlockKind, Chunk

TokenCounter = Callable[[str], int]

# Bump when reading/segmenting/annotating changes what is stored: every article's chunk ids
# change, so the next ingest re-reads and re-chunks everything (vectors of unchanged sentence
# texts are reused). 3: zero-width characters are left out of the display text that is
# embedded, annotated and read (issue 23, item 17), so annotation offsets moved.
SCHEMA_VERSION = 3


def chunk_id_for(article_id: str, text: str, version: str = "") -> str:
    """Content-hash id: the same text in the same version of an article gets the same id.

    The version (see ``article_version``) is part of it so that a chunk id fixes all of the
    chunk's metadata (offsets, title, outlet): the id set alone tells whether anything about
    an article changed, and the stored ids are a complete fingerprint of the index.
    """
    return hashlib.sha256(f"{article_id}\x00{version}\x00{text}".encode()).hexdigest()[:32]


def article_version(article: Article) -> str:
    """Hash of everything a chunk's metadata is derived from: the text, the article fields
    and the ingest schema."""
    fields = (article.content_hash, article.title, article.source, article.published,
              article.url, article.path, article.language, str(SCHEMA_VERSION))
    return hashlib.sha256("\x00".join(f or "" for f in fields).encode()).hexdigest()[:16]


def _units(article: Article) -> list[tuple[list[Block], str]]:
    """Quotable blocks grouped into chunking units (a body paragraph, or the consecutive rows
    of one table), each with the subheading it sits under."""
    units: list[tuple[list[Block], str]] = []
    heading = ""
    for block in article.blocks:
        if block.kind is BlockKind.SUBHEADING:
            heading = display(article.text[block.start : block.end]).lstrip("#").strip()
        elif block.kind is BlockKind.BODY:
            units.append(([block], heading))
        elif block.kind is BlockKind.TABLE:
            prev = units[-1][0][-1] if units else None
            if prev is not None and prev.kind is BlockKind.TABLE and prev.header == block.header:
                units[-1][0].append(block)
            else:
                units.append(([block], heading))
    return units


def chunk_article(
    article: Article, count_tokens: TokenCounter, max_tokens: int = 200
) -> list[Chunk]:
    """Split an article's quotable blocks into chunks of whole sentences, ≤ ``max_tokens``.

    A single sentence longer than the budget becomes a chunk of its own (the embedder truncates
    it at 256 word pieces; BM25 still sees all of it).
    """
    chunks: list[Chunk] = []
    seen: set[str] = set()
    text = article.text
    version = article_version(article)
    for p_index, (blocks, heading) in enumerate(_units(article)):
        sents: list[tuple[tuple[int, int], tuple[int, int] | None]] = []
        for block in blocks:
            if block.kind is BlockKind.TABLE:
                sents.append(((block.start, block.end), block.header))
            else:
                spans = sentence_spans(text, block.start, block.end, language=article.language)
                sents += [(span, None) for span in spans]
        group: list[tuple[tuple[int, int], tuple[int, int] | None]] = []
        used = 0
        for sent in sents:
            n = count_tokens(text[sent[0][0] : sent[0][1]])
            if group and used + n > max_tokens:
                _emit(article, version, p_index, heading, group, chunks, seen)
                group, used = [], 0
            group.append(sent)
            used += n
        if group:
            _emit(article, version, p_index, heading, group, chunks, seen)
    return chunks


def _emit(
    article: Article,
    version: str,
    paragraph: int,
    heading: str,
    group: list[tuple[tuple[int, int], tuple[int, int] | None]],
    out: list[Chunk],
    seen: set[str],
) -> None:
    start, end = group[0][0][0], group[-1][0][1]
    body = article.text[start:end]
    cid = chunk_id_for(article.article_id, body, version)
    if cid in seen:  # identical text twice in one article: store it once
        return
    seen.add(cid)
    out.append(
        Chunk(
            chunk_id=cid,
            article_id=article.article_id,
            text=body,
            start=start,
            end=end,
            paragraph=paragraph,
            sentence_spans=tuple(span for span, _ in group),
            headers=tuple(header for _, header in group),
            heading=heading,
        )
    )
