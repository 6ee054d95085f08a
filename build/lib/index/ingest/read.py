"""Read news articles from files, folders and URLs into :class:`Article` objects.

Every answer quotes ``Article.text`` verbatim, so reading never rewrites text: it only
decodes it, normalises line endings and records where the paragraphs are. Bad inputs become
:class:`Skipped` values with a one-line reason instead of exceptions, so one broken file never
stops an ingest run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from index.ingest.decode import decode_detail, encoding_note
from index.ingest.fetch import HTML_SUFFIXES, Fetched, content_kind, fetch, new_client
from index.ingest.html import from_html_bytes
from index.ingest.parse import parse_text
from index.ingest.skipped import Skipped, short, size_text
from index.types import Article

MAX_BYTES = 10 * 1024 * 1024
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")

_URL_RE = re.compile(r"^https?://", re.IGNORECASE)


def is_url(item: str) -> bool:
    """True for ``http(s)://`` inputs, which are fetched instead of read from disk."""
    return bool(_URL_RE.match(item.strip()))


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
                    own = new_client(float(kw.get("timeout", 15.0)))
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
        return Skipped(item, f"unexpected error: {type(exc).__name__}: {short(str(exc))}")


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    return short(exc.strerror or str(exc)).lower()


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
            too_big = f"{size_text(size)} > {size_text(max_bytes)} limit"
            return Skipped(item, f"file too large ({too_big})")
        with resolved.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as exc:
        return Skipped(item, _os_reason(exc))
    if len(data) > max_bytes:
        return Skipped(item, f"file too large (> {size_text(max_bytes)} limit)")
    if resolved.suffix.lower() in HTML_SUFFIXES:
        return from_html_bytes(item, data, charset=None, path=str(resolved), url=None)
    return _text_article(item, data, charset=None, path=str(resolved))



def _load_url(
    url: str, *, max_bytes: int, timeout: float, client: httpx.Client | None
) -> Article | Skipped:
    got = fetch(url, max_bytes=max_bytes, timeout=timeout, client=client)
    if isinstance(got, Skipped):
        return got
    return read_fetched(got)


def read_fetched(got: Fetched) -> Article | Skipped:
    """An Article from a downloaded page (HTML or plain text)."""
    url, data = got.url, got.data
    kind = content_kind(got.mime, url, data)
    if kind is None:
        return Skipped(url, f"unsupported content type {got.mime}")
    if not data.strip():
        return Skipped(url, "empty response")
    if kind == "html":
        return from_html_bytes(url, data, charset=got.charset, path=None, url=url)
    return _text_article(url, data, charset=got.charset, url=url)


def _text_article(
    item: str, data: bytes, *, charset: str | None, path: str | None = None,
    url: str | None = None,
) -> Article | Skipped:
    """Decode and parse a plain-text/Markdown body; a guessed or wrongly declared encoding
    becomes a note."""
    got = decode_detail(item, data, charset=charset)
    if isinstance(got, Skipped):
        return got
    article = parse_text(got.text, path=path, url=url)
    note = encoding_note(got.encoding, got.guessed, got.declared)
    if note is None or isinstance(article, Skipped):
        return article
    return replace(article, notes=(*article.notes, note))
