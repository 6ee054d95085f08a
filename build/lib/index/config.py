"""Configuration of the core library, built once by a front end and passed down.

Plain dataclasses on purpose: ``index/`` never reads the environment; ``bot/settings.py`` maps
``NEWSQA_*`` variables onto these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

LLMProvider = Literal["none", "openai", "ollama"]


@dataclass(frozen=True)
class LLMConfig:
    provider: LLMProvider = "none"
    base_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    timeout_s: float = 30.0


@dataclass(frozen=True)
class IndexConfig:
    data_dir: Path = Path("data")
    embed_model: str = "sentence-transformers/all-MiniLM-L6-v2"
    collection: str = "newsqa_chunks"
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_ssl: bool = False
    chroma_headers: dict[str, str] = field(default_factory=dict)
    chroma_timeout_s: float = 5.0
    top_k: int = 12
    max_chunk_tokens: int = 200
    fetch_timeout_s: float = 60.0
    """Seconds for one URL's whole download (a server trickling bytes cannot hold an ingest)."""
    allow_private_urls: bool = False
    """Let URL ingest reach loopback, private and link-local addresses (off: internal pages
    must not become quotable by every user)."""
    feed_max_entries: int = 100
    """Entries of one feed read per refresh (or per ``ingest`` of a feed URL), newest first;
    the rest wait for the next refresh."""
    llm: LLMConfig = field(default_factory=LLMConfig)

    @property
    def server_mode(self) -> bool:
        return self.chroma_host is not None

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def bm25_dir(self) -> Path:
        return self.data_dir / "bm25"
