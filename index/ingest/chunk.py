"""Sentence-aware chunking sized for MiniLM, with absolute character offsets.

Chunks never cross a paragraph and never cut a sentence, so every quote the composer picks
from a chunk is a whole sentence whose offsets in the article are known.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from index.text import sentence_spans
from index.types import Article, Chunk

TokenCounter = Callable[[str], int]


def chunk_id_for(article_id: str, text: str, version: str = "") -> str:
    """Content-hash id: the same text in the same version of an article gets the same id.

    The version (see ``article_version``) is part of it so that a chunk id fixes all of the
    chunk's metadata (offsets, title, outlet): the id set alone tells whether anything about
    an article changed, and the stored ids are a complete fingerprint of the index.
    """
    return hashlib.sha256(f"{article_id}\x00{version}\x00{text}".encode()).hexdigest()[:32]


def article_version(article: Article) -> str:
    """Hash of everything a chunk's metadata is derived from: the text and the article fields."""
    fields = (article.content_hash, article.title, article.source, article.published,
              article.url, article.path)
    return hashlib.sha256("\x00".join(f or "" for f in fields).encode()).hexdigest()[:16]


def chunk_article(
    article: Article, count_tokens: TokenCounter, max_tokens: int = 200
) -> list[Chunk]:
    """Split an article's kept paragraphs into chunks of whole sentences, ≤ ``max_tokens``.

    A single sentence longer than the budget becomes a chunk of its own (the embedder truncates
    it at 256 word pieces; BM25 still sees all of it).
    """
    chunks: list[Chunk] = []
    seen: set[str] = set()
    text = article.text
    version = article_version(article)
    for p_index, (p_start, p_end) in enumerate(article.paragraphs):
        spans = sentence_spans(text, p_start, p_end) or [(p_start, p_end)]
        group: list[tuple[int, int]] = []
        used = 0
        for span in spans:
            n = count_tokens(text[span[0] : span[1]])
            if group and used + n > max_tokens:
                _emit(article, version, p_index, group, chunks, seen)
                group, used = [], 0
            group.append(span)
            used += n
        if group:
            _emit(article, version, p_index, group, chunks, seen)
    return chunks


def _emit(
    article: Article,
    version: str,
    paragraph: int,
    group: list[tuple[int, int]],
    out: list[Chunk],
    seen: set[str],
) -> None:
    start, end = group[0][0], group[-1][1]
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
            sentence_spans=tuple(group),
        )
    )
