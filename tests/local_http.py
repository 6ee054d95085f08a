"""A small real HTTP server on 127.0.0.1 for URL-ingest tests: fixed routes, redirects, and
routes that trickle bytes (to test the download deadline). Counts hits per path."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

ARTICLE = (
    b"Council approves new bike lanes\n\n"
    b"The city council voted on Tuesday to build twelve kilometres of protected bike lanes.\n\n"
    b"Construction starts in spring and should end before the winter of next year.\n"
)

Route = Callable[[BaseHTTPRequestHandler], None]


def text(body: bytes = ARTICLE, mime: str = "text/plain; charset=utf-8") -> Route:
    def send(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", mime)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return send


def redirect(location: str) -> Route:
    def send(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return send


def trickle_body(every_s: float = 0.1, for_s: float = 20.0) -> Route:
    """Headers at once, then one body byte every ``every_s`` for up to ``for_s`` seconds."""

    def send(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        _drip(h, b"x" * 100000, every_s, for_s)

    return send


def trickle_headers(every_s: float = 0.1, for_s: float = 20.0) -> Route:
    """The status line and headers themselves, one byte every ``every_s``."""

    def send(h: BaseHTTPRequestHandler) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + b"X-Pad: " + b"a" * 5000
        _drip(h, head, every_s, for_s)

    return send


def _drip(h: BaseHTTPRequestHandler, data: bytes, every_s: float, for_s: float) -> None:
    end = time.monotonic() + for_s
    for i in range(len(data)):
        if time.monotonic() > end:
            return
        try:
            h.wfile.write(data[i : i + 1])
            h.wfile.flush()
        except OSError:  # the client gave up: that is what the tests want
            return
        time.sleep(every_s)


class LocalHTTP:
    """``with LocalHTTP({"/a": text()}) as srv: srv.url("/a")``; ``srv.hits["/a"]``."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.hits: Counter[str] = Counter()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits[self.path] += 1
                route = outer.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                else:
                    route(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def __enter__(self) -> LocalHTTP:
        self._thread.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
