"""HTTP(S) downloads for URL inputs: one shared client, a size cap, short one-line reasons.

``fetch`` returns the raw bytes and the declared content type; deciding how to read them
(HTML, plain text) is ``read``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from index.ingest.skipped import Skipped, short, size_text

USER_AGENT = "newsqa/0.1"
MAX_REDIRECTS = 5
HTML_SUFFIXES = (".html", ".htm")

_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


@dataclass(frozen=True)
class Fetched:
    """A downloaded body: ``mime`` lower-cased without parameters, ``charset`` as declared.

    ``status`` is 304 (and ``data`` empty) only for a conditional request whose resource did
    not change; ``etag`` and ``last_modified`` are the validators to send next time.
    """

    url: str
    data: bytes
    mime: str
    charset: str | None
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None


def new_client(timeout: float) -> httpx.Client:
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
    return f"could not fetch: {short(msg) or type(exc).__name__}"


def fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    client: httpx.Client | None,
    headers: Mapping[str, str] | None = None,
) -> Fetched | Skipped:
    """GET ``url`` into memory, never holding more than ``max_bytes``. Never raises for a
    bad URL or server: failures come back as :class:`Skipped`.

    ``headers`` are added to the request (e.g. ``If-None-Match`` / ``If-Modified-Since`` for
    a conditional GET: a 304 answer comes back as a ``Fetched`` with ``status=304``).
    """
    own = client is None
    http = new_client(timeout) if client is None else client
    try:
        with http.stream("GET", url, timeout=timeout, headers=headers) as resp:
            if resp.status_code == 304 and headers:
                return Fetched(url, b"", "", None, status=304,
                               etag=resp.headers.get("etag"),
                               last_modified=resp.headers.get("last-modified"))
            if not resp.is_success:
                return Skipped(url, f"HTTP {resp.status_code} {resp.reason_phrase}".strip())
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                big = size_text(int(declared))
                return Skipped(url, f"response too large ({big} > {size_text(max_bytes)} limit)")
            chunks: list[bytes] = []
            total = 0
            for chunk in resp.iter_bytes():
                total += len(chunk)
                if total > max_bytes:  # stop reading: never hold more than the cap
                    return Skipped(url, f"response too large (> {size_text(max_bytes)} limit)")
                chunks.append(chunk)
            content_type = resp.headers.get("content-type", "")
            status = resp.status_code
            etag, modified = resp.headers.get("etag"), resp.headers.get("last-modified")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return Skipped(url, _fetch_reason(exc))
    finally:
        if own:
            http.close()
    mime, charset = parse_content_type(content_type)
    return Fetched(url, b"".join(chunks), mime, charset, status, etag, modified)


def parse_content_type(value: str) -> tuple[str, str | None]:
    parts = [p.strip() for p in value.split(";")]
    mime = parts[0].lower()
    charset = None
    for param in parts[1:]:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'")
    return mime, charset


def content_kind(mime: str, url: str, data: bytes) -> str | None:
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
