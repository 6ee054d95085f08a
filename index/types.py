"""Plain data passed between the layers of the core path (ingest → store → answer → render)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from index.text import display


class BlockKind(StrEnum):
    """What a block of an article is. Only ``BODY`` sentences and ``TABLE`` rows are quoted;
    headlines and subheadings are searchable context for what follows them."""

    HEADLINE = "headline"
    SUBHEADING = "subheading"
    BYLINE = "byline"
    DATELINE = "dateline"
    CAPTION = "caption"
    LIST = "list"
    TABLE = "table"
    BOILERPLATE = "boilerplate"
    META = "meta"
    BODY = "body"


QUOTABLE = frozenset({BlockKind.BODY, BlockKind.TABLE})


@dataclass(frozen=True)
class Block:
    """A paragraph-like span ``text[start:end]`` of an article and its kind. A table row carries
    its table's header row as ``header`` (a span), so it is never quoted without it."""

    kind: BlockKind
    start: int
    end: int
    header: tuple[int, int] | None = None


@dataclass(frozen=True)
class Article:
    """One news article as read from a file or URL.

    ``text`` is the original text exactly as decoded (only line endings normalised to ``\\n``), so
    every quote can be checked against it by offset. ``blocks`` are its paragraphs in order,
    each with a kind; repeated paragraphs and a headline repeated as body are already dropped.
    ``published`` is ISO ``YYYY-MM-DD`` (or None: undated). ``language`` is an ISO 639-1 code.
    ``notes`` are one-line remarks for the ingest report (a guessed encoding, a language).
    """

    article_id: str
    text: str
    title: str
    blocks: tuple[Block, ...]
    source: str | None = None
    published: str | None = None
    url: str | None = None
    path: str | None = None
    content_hash: str = ""
    language: str = "en"
    notes: tuple[str, ...] = ()
    from_feed_summary: bool = False
    """True when the text is a feed entry's own summary (its page could not be fetched)."""

    @property
    def paragraphs(self) -> tuple[tuple[int, int], ...]:
        """Spans of the quotable blocks (body paragraphs and table rows), in order."""
        return tuple((b.start, b.end) for b in self.blocks if b.kind in QUOTABLE)


@dataclass(frozen=True)
class Chunk:
    """A sentence-aligned slice of one article, the unit stored in Chroma and BM25."""

    chunk_id: str
    article_id: str
    text: str
    start: int
    end: int
    paragraph: int
    sentence_spans: tuple[tuple[int, int], ...]
    """Absolute ``(start, end)`` offsets of each sentence in ``Article.text``."""
    headers: tuple[tuple[int, int] | None, ...] = ()
    """Per sentence: the span of its table's header row (table rows only), else None."""
    heading: str = ""
    """The subheading the chunk sits under (search context, never quoted)."""

    def metadata(self, article: Article) -> dict[str, Any]:
        """Flat metadata for Chroma: only str/int/float values, no ``None``.

        ``sentences`` is ``"s:e;s:e"``; ``headers`` is ``"i:s:e;…"`` for the sentences that are
        table rows (``i`` = sentence index); ``heading`` the subheading above the chunk.
        """
        headers = ";".join(
            f"{i}:{h[0]}:{h[1]}" for i, h in enumerate(self.headers) if h is not None
        )
        meta: dict[str, Any] = {
            "article_id": article.article_id,
            "title": article.title,
            "source": article.source or "",
            "published": article.published or "",
            "url": article.url or "",
            "path": article.path or "",
            "content_hash": article.content_hash,
            "start": self.start,
            "end": self.end,
            "paragraph": self.paragraph,
            "sentences": ";".join(f"{s}:{e}" for s, e in self.sentence_spans),
            "lang": article.language,
        }
        if headers:
            meta["headers"] = headers
        if self.heading:
            meta["heading"] = self.heading
        header = next((h for h in self.headers if h is not None), None)
        if header is not None:  # one table per chunk: its header row, as shown
            meta["table_header"] = display(article.text[header[0] : header[1]])
        if article.from_feed_summary:  # only then: other articles' metadata is unchanged
            meta["from_feed_summary"] = True
        return meta


@dataclass(frozen=True)
class ArticleInfo:
    """What ``newsqa sources`` lists for one indexed article."""

    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    path: str | None
    chunks: int
    group: str = ""
    """Its group of wire copies (``index.store.meta.group_of``); "" in an old manifest."""
    seq: int = 0
    """When it was first ingested (microseconds; 0: before groups): orders a group."""

    @property
    def story(self) -> str:
        """Its report: the wire-copy group, or the article itself (an old manifest)."""
        return self.group or self.article_id

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """A verbatim quote: ``quote == display(article.text[start:end])`` is checked before it is
    shown (``index.text.display`` only decodes entities, drops Markdown marks and collapses
    whitespace). A table row is quoted after its header row: ``quote`` is then
    ``header + "\\n" + row``, the header being ``display(article.text[header_start:header_end])``.
    """

    n: int
    quote: str
    article_id: str
    chunk_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    path: str | None
    start: int = 0
    end: int = 0
    header_start: int = 0
    header_end: int = 0
    carried_by: tuple[str, ...] = ()
    """Other outlets that ran the same wire report (``index.answer.reports``)."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.carried_by:  # only for a wire report other outlets ran: the contract else
            data["carried_by"] = list(self.carried_by)
        else:
            data.pop("carried_by")
        for key in ("start", "end", "header_start", "header_end"):
            data.pop(key)
        return data


@dataclass(frozen=True)
class Claim:
    """One value of a compared slot: as written ("at least 127 people"), the citation numbers
    that state it, and the newest publication day among them (ISO, or None if undated)."""

    value: str
    citations: tuple[int, ...]
    published: str | None = None


@dataclass(frozen=True)
class Conflict:
    """A slot on which the cited sources differ. ``kind`` is "disagreement" (the sources
    contradict each other) or "update" (dated reports of a changing figure; ``claims`` run
    newest first and the first is the latest value)."""

    topic: str
    claims: tuple[Claim, ...]
    kind: str = "disagreement"

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "kind": self.kind,
            "claims": [
                {"value": c.value, "citations": list(c.citations), "published": c.published}
                for c in self.claims
            ],
        }


@dataclass(frozen=True)
class Choice:
    """What an optional LLM decided (``index.llm``): the citation numbers of the sentences
    that answer, best first, and a lead copied verbatim from the first of them. It writes no
    text of its own: the answer is rendered from this. With ``notice`` set there is no usable
    choice, and the offline answer stands with that notice."""

    sentences: tuple[int, ...] = ()
    lead: str | None = None
    notice: str | None = None


@dataclass
class Answer:
    """What both front ends render. ``to_json`` is the ``newsqa ask --json`` contract."""

    question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str | None = None
    """A short note for the user (e.g. the LLM failed and the offline answer is shown)."""
    closest: list[ArticleInfo] = field(default_factory=list)
    """On refusal: the closest articles that were searched, to help the user rephrase."""
    resolved_question: str | None = None
    """The question after follow-up resolution, when it differs from ``question``."""
    signals: dict[str, float] = field(default_factory=dict)
    """What the refusal decision saw (``index.answer.refuse.signals``); the eval keeps it."""

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "conflicts": [c.to_json() for c in self.conflicts],
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
            "notice": self.notice,
        }


@dataclass(frozen=True)
class Turn:
    """One exchange kept for follow-ups. Small and picklable (Telegram persistence stores it)."""

    question: str
    resolved: str
    answer: str
    article_ids: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()  # the cited articles' headlines: what the story is called


@dataclass
class IngestReport:
    """Counts for the final ``added N, updated N, unchanged N, removed N, skipped N`` line."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """``(input, reason)`` pairs."""
    notes: list[tuple[str, str]] = field(default_factory=list)
    """``(input, note)`` pairs for ingested inputs (a guessed encoding, a language)."""
    chunks_embedded: int = 0
    timings_s: dict[str, float] = field(default_factory=dict)
    """Seconds per stage: read (decode, extract, parse), segment (sentences, chunks),
    embed, write (Chroma, BM25)."""

    @contextmanager
    def timer(self, stage: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings_s[stage] = self.timings_s.get(stage, 0.0) + time.perf_counter() - t0

    @property
    def ingested_any(self) -> bool:
        return bool(self.added or self.updated or self.unchanged)

    def summary(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, removed {len(self.removed)}, "
            f"skipped {len(self.skipped)}"
        )
