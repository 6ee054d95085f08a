"""A local feed server on 127.0.0.1 for tests and bench/feeds.py: RSS and Atom feeds built
from entry lists that can change between refreshes, article pages, ETag / Last-Modified
(304), and broken routes (invalid XML, HTML, 404, slow or trickling responses). Records
every request. Stdlib only.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape


@dataclass
class Entry:
    slug: str
    title: str
    published: datetime
    summary: str
    link: str | None = None  # default: the server's /articles/<slug>.html


@dataclass
class Route:
    body: bytes
    ctype: str
    status: int = 200
    delay_s: float = 0.0
    trickle_s: float = 0.0  # seconds between single bytes (0 = send at once)
    conditional: bool = True
    modified: datetime = field(default_factory=lambda: datetime.now(UTC))
    reason: str | None = None  # the status line's reason phrase (default: the standard one)


@dataclass
class Hit:
    path: str
    at: float
    headers: dict[str, str]
    status: int = 0


def article_html(title: str, paragraphs: list[str], *, outlet: str | None = None,
                 published: str | None = None, with_title: bool = True) -> bytes:
    head = f"<title>{escape(title)}</title>" if with_title else ""
    if outlet:
        head += f'<meta property="og:site_name" content="{escape(outlet)}">'
    if published:
        head += f'<meta property="article:published_time" content="{published}">'
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    heading = f"<h1>{escape(title)}</h1>" if with_title else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>"
            f"<nav><a href='/'>Home</a></nav><article>{heading}{body}</article>"
            f"<footer>Copyright</footer></body></html>").encode()


def rss(title: str, base: str, entries: list[Entry]) -> bytes:
    items = "".join(
        f"<item><title>{escape(e.title)}</title>"
        f"<link>{escape(e.link or f'{base}/articles/{e.slug}.html')}</link>"
        f"<guid>{escape(e.slug)}</guid><pubDate>{format_datetime(e.published)}</pubDate>"
        f"<description>{escape('<p>' + e.summary + '</p>')}</description></item>"
        for e in entries
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>{base}/</link>"
            f"<description>test feed</description>{items}</channel></rss>").encode()


def atom(title: str, base: str, entries: list[Entry]) -> bytes:
    items = "".join(
        f"<entry><title>{escape(e.title)}</title>"
        f'<link rel="alternate" href="{escape(e.link or f"{base}/articles/{e.slug}.html")}"/>'
        f"<id>urn:test:{escape(e.slug)}</id><updated>{e.published.isoformat()}</updated>"
        f'<summary type="html">{escape("<p>" + e.summary + "</p>")}</summary></entry>'
        for e in entries
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>urn:test:{escape(title)}</id>"
            f"<updated>{datetime.now(UTC).isoformat()}</updated>{items}</feed>").encode()


class FeedServer:
    """``with FeedServer() as srv:`` then ``srv.url("/path")``; routes may change anytime."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._active = 0
        self.peak = 0
        self._httpd: ThreadingHTTPServer | None = None

    # -- content ----------------------------------------------------------------------------

    def url(self, path: str) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    @property
    def base(self) -> str:
        return self.url("")

    def set(self, path: str, body: bytes, ctype: str, **kw: Any) -> str:
        with self._lock:
            self.routes[path] = Route(body, ctype, **kw)
        return self.url(path)

    def feed(self, path: str, title: str, entries: list[Entry], *, kind: str = "rss",
             **kw: Any) -> str:
        build = rss if kind == "rss" else atom
        ctype = "application/rss+xml" if kind == "rss" else "application/atom+xml"
        return self.set(path, build(title, self.base, entries), ctype, **kw)

    def article(self, slug: str, title: str, paragraphs: list[str], **kw: Any) -> str:
        route_kw = {k: kw.pop(k) for k in ("status", "delay_s", "trickle_s") if k in kw}
        return self.set(f"/articles/{slug}.html", article_html(title, paragraphs, **kw),
                        "text/html; charset=utf-8", **route_kw)

    def count(self, prefix: str = "", status: int | None = None) -> int:
        with self._lock:
            return sum(1 for h in self.hits if h.path.startswith(prefix)
                       and (status is None or h.status == status))

    # -- serving ----------------------------------------------------------------------------

    def __enter__(self) -> FeedServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle on, the body would wait for
            # the client's delayed ACK (~40 ms a response on loopback), unlike a real server.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                server._serve(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        path = req.path.split("?", 1)[0]
        hit = Hit(path, time.monotonic(), {k.lower(): v for k, v in req.headers.items()})
        with self._lock:
            self.hits.append(hit)
            route = self.routes.get(path)
            self._active += 1
            self.peak = max(self.peak, self._active)
        try:
            if route is None:
                hit.status = 404
                return self._send(req, 404, b"not found", "text/plain")
            if route.delay_s:
                time.sleep(route.delay_s)
            etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            modified = format_datetime(route.modified.replace(microsecond=0), usegmt=True)
            if route.conditional and route.status == 200 and (
                req.headers.get("If-None-Match") == etag
                or (req.headers.get("If-Modified-Since") == modified
                    and not req.headers.get("If-None-Match"))
            ):
                hit.status = 304
                req.send_response(304)
                req.send_header("ETag", etag)
                req.send_header("Content-Length", "0")
                req.end_headers()
                return None
            hit.status = route.status
            headers = {"ETag": etag, "Last-Modified": modified} if route.conditional else {}
            return self._send(req, route.status, route.body, route.ctype, headers,
                              trickle_s=route.trickle_s, reason=route.reason)
        except (BrokenPipeError, ConnectionResetError):
            return None
        finally:
            with self._lock:
                self._active -= 1

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, data: bytes, ctype: str,
              headers: dict[str, str] | None = None, *, trickle_s: float = 0.0,
              reason: str | None = None) -> None:
        req.send_response(status, reason)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            req.send_header(k, v)
        req.end_headers()
        if not trickle_s:
            req.wfile.write(data)
            return
        for i in range(len(data)):
            req.wfile.write(data[i : i + 1])
            req.wfile.flush()
            time.sleep(trickle_s)
