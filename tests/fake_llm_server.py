"""A scripted imitation of an OpenAI-compatible and an Ollama chat server on 127.0.0.1.

It fakes the external service, not our code: the real LlamaIndex integrations (and the
``openai`` / ``ollama`` clients under them) talk HTTP to it. Each request takes the next
scripted reply: text (or a function of the request body), an optional delay, a status code,
and optionally a trickle: the response body sent one byte every ``trickle`` seconds, as a
slow or hostile server would (``Content-Length`` up front, so the client keeps reading).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ReplyText = str | Callable[[dict[str, Any]], str]


@dataclass
class Reply:
    text: ReplyText = ""
    delay: float = 0.0
    status: int = 200
    trickle: float = 0.0


@dataclass
class Recorded:
    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        """All message contents joined: what the model was shown."""
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))


class FakeLLMServer:
    """``with FakeLLMServer() as fake: fake.enqueue("answer [1]")``; see ``openai_url``."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # a reply still sleeping must not hold up stop()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def ollama_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def enqueue(
        self, text: ReplyText = "", *, delay: float = 0.0, status: int = 200,
        trickle: float = 0.0,
    ) -> None:
        with self._lock:
            self.replies.append(Reply(text, delay, status, trickle))

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if self.replies:
                return self.replies.popleft()
        return Reply("no scripted reply left", status=500)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep pytest output clean

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                path = self.path.split("?", 1)[0]
                if path not in ("/v1/chat/completions", "/api/chat"):
                    self._send(404, 0.0, {"error": f"unknown path {path}"})
                    return
                reply = server._next(Recorded(path, body, dict(self.headers.items())))
                if reply.delay and server._stop.wait(reply.delay):
                    return
                if reply.status != 200:
                    message = str(reply.text) or "error"
                    self._send(reply.status, 0.0, {"error": {"message": message}})
                    return
                text = reply.text(body) if callable(reply.text) else reply.text
                model = str(body.get("model", "fake"))
                if path == "/api/chat":
                    self._send(200, reply.trickle, {
                        "model": model,
                        "created_at": "2025-05-23T12:00:00Z",
                        "message": {"role": "assistant", "content": text},
                        "done": True,
                        "done_reason": "stop",
                    })
                else:
                    self._send(200, reply.trickle, {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [{
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    })

            def _send(self, status: int, trickle: float, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if not trickle:
                        self.wfile.write(data)
                        return
                    self.wfile.flush()
                    for i in range(len(data)):  # each byte well within any read timeout
                        if server._stop.wait(trickle):
                            return
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

        return Handler
