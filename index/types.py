"""Plain data passed between the layers of the core path (ingest → store → answer → render)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """One news article as read from a file or URL.

    ``text`` is the original text exactly as decoded (only line endings normalised to ``\\n``), so
    every quote can be checked against it by offset. ``paragraphs`` lists the ``(start, end)``
    character spans of the paragraphs kept for indexing: repeated paragraphs and a headline
    repeated as body are already dropped, metadata lines too.
    """

    article_id: str
    text: str
    title: str
    paragraphs: tuple[tuple[int, int], ...]
    source: str | None = None
    published: str | None = None
    url: str | None = None
    path: str | None = None
    content_hash: str = ""
    from_feed_summary: bool = False
    """True when the text is a feed entry's own summary (its page could not be fetched)."""


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

    def metadata(self, article: Article) -> dict[str, Any]:
        """Flat metadata for Chroma: only str/int/float values, no ``None``."""
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
        }
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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """A verbatim quote: ``quote == article.text[start:end]`` is checked before it is shown."""

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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("start")
        data.pop("end")
        return data


@dataclass(frozen=True)
class Claim:
    value: str
    citations: tuple[int, ...]


@dataclass(frozen=True)
class Conflict:
    """A point on which cited sources disagree, with each competing value and its citations."""

    topic: str
    claims: tuple[Claim, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "claims": [{"value": c.value, "citations": list(c.citations)} for c in self.claims],
        }


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

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "conflicts": [c.to_json() for c in self.conflicts],
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
        }


@dataclass(frozen=True)
class Turn:
    """One exchange kept for follow-ups. Small and picklable (Telegram persistence stores it)."""

    question: str
    resolved: str
    answer: str
    article_ids: tuple[str, ...] = ()


@dataclass
class IngestReport:
    """Counts for the final ``added N, updated N, unchanged N, removed N, skipped N`` line."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """``(input, reason)`` pairs."""
    chunks_embedded: int = 0

    @property
    def ingested_any(self) -> bool:
        return bool(self.added or self.updated or self.unchanged)

    def summary(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, removed {len(self.removed)}, "
            f"skipped {len(self.skipped)}"
        )
