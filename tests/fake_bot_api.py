"""A small Telegram Bot API imitation on 127.0.0.1, recording every call.

Real python-telegram-bot talks to it over real HTTP (``base_url``), so tests assert on what the
bot actually sent. Stdlib only (``ThreadingHTTPServer`` in a thread): no extra dependency.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

BOT_ID = 999_000
BOT_USERNAME = "newsqa_test_bot"
# Parameters PTB sends JSON-encoded inside form fields.
_JSON_FIELDS = {
    "reply_markup", "reply_parameters", "commands", "link_preview_options", "entities",
    "allowed_updates", "scope",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str
    at: float
    result: Any = None


ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "tg-emoji", "code", "pre", "blockquote",
}
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class _TelegramHTML(HTMLParser):
    """Checks what Telegram's HTML parse mode checks: known tags, balanced, valid entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"unsupported start tag {tag!r}")
        if tag == "a" and not any(k == "href" and v for k, v in attrs):
            self.errors.append("<a> without href")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing tag {tag!r}")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected end tag {tag!r}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_telegram_html(text: str) -> tuple[str, list[str]]:
    """``(visible text, errors)`` for a message sent with ``parse_mode=HTML``."""
    parser = _TelegramHTML()
    errors = []
    for amp in re.finditer("&", text):
        if not _ENTITY.match(text, amp.start()):
            errors.append(f"bare & at {amp.start()}")
    if re.search(r"<(?![a-zA-Z/])", text):
        errors.append("bare <")
    parser.feed(text)
    parser.close()
    errors += parser.errors
    if parser.stack:
        errors.append(f"unclosed tags {parser.stack}")
    visible = "".join(parser.text)
    if _utf16(visible) > 4096:
        errors.append("message is too long")
    if not visible.strip():
        errors.append("message text is empty")
    return visible, errors


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up mid-response (a cancelled long poll at shutdown) is normal."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeBotAPI:
    """Start with ``with FakeBotAPI() as api:``; point PTB at ``api.base_url``."""

    def __init__(self, *, max_poll_s: float = 0.5) -> None:
        self.max_poll_s = max_poll_s
        self.calls: list[Call] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, data)
        self.chats: dict[int, dict[str, Any]] = {}
        self.errors: dict[str, str] = {}
        """``method -> description`` to answer with a 400; ``{path}`` becomes the request path
        (the real API sometimes echoes it, token included)."""
        self.raw: dict[str, tuple[int, bytes, str]] = {}
        """``method -> (status, body, content type)`` to answer with as is (a broken API)."""
        self.fail_next: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        """``method -> [(status, error payload), …]``: the next calls fail so, once each
        (a 429 with ``parameters.retry_after``, a 502, a 403 "bot was blocked")."""
        self._updates: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FakeBotAPI:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                api._handle(self)

            def do_POST(self) -> None:
                api._handle(self)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- HTTP ----------------------------------------------------------------------------------

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        path = urlsplit(req.path).path
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        m = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        if m:
            data = next((d for p, d in self.files.values() if p == unquote(m.group(2))), None)
            if data is None:
                self._send(req, 404, b"not found", "text/plain")
            else:
                self._send(req, 200, data, "application/octet-stream")
            return
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
        if not m:
            self._send(req, 404, b'{"ok": false, "error_code": 404}', "application/json")
            return
        token, method = m.group(1), m.group(2)
        params = self._params(req.headers.get("Content-Type", ""), body, urlsplit(req.path).query)
        call = Call(method, params, unquote(token), time.monotonic())
        with self._cond:
            self.calls.append(call)
        if method in self.raw:
            self._send(req, *self.raw[method])
            return
        with self._cond:
            failure = self.fail_next[method].pop(0) if self.fail_next.get(method) else None
        if failure is not None:
            status, payload = failure
            call.result = LookupError(payload.get("description", ""))
            self._send(req, status, json.dumps({"ok": False, "error_code": status, **payload})
                       .encode(), "application/json")
            return
        try:
            if method in self.errors:
                raise LookupError(self.errors[method].format(path=path))
            result = call.result = self._dispatch(method, params)
        except LookupError as exc:
            call.result = exc
            payload = {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
            self._send(req, 400, json.dumps(payload).encode(), "application/json")
            return
        self._send(req, 200, json.dumps({"ok": True, "result": result}).encode(),
                   "application/json")

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, data: bytes, ctype: str) -> None:
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    @staticmethod
    def _params(ctype: str, body: bytes, query: str) -> dict[str, Any]:
        raw: dict[str, Any] = dict(parse_qsl(query))
        if ctype.startswith("application/json") and body:
            raw.update(json.loads(body))
            return raw
        if ctype.startswith("multipart/form-data"):
            msg = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {ctype}\r\n\r\n".encode() + body
            )
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name:
                    raw[str(name)] = part.get_content()
        elif body:
            raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        for key, value in list(raw.items()):
            if key in _JSON_FIELDS and isinstance(value, str):
                raw[key] = json.loads(value)
            elif key in ("chat_id", "message_id", "offset", "limit") and isinstance(value, str):
                raw[key] = int(value) if re.fullmatch(r"-?\d+", value) else value
        return raw

    # -- Bot API methods -----------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return {
            "id": BOT_ID, "is_bot": True, "first_name": "NewsQA", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        return self.chats.get(int(chat_id), {"id": int(chat_id), "type": "private"})

    def _sent_message(self, params: dict[str, Any], *, message_id: int | None = None
                      ) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(params["chat_id"]),
            "from": self.me(),
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            msg["reply_markup"] = params["reply_markup"]
        return msg

    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return self.me()
        if method == "getUpdates":
            return self._get_updates(params)
        if method in ("sendMessage", "editMessageText"):
            text = str(params.get("text", ""))
            if params.get("parse_mode") == "HTML":
                _, errors = parse_telegram_html(text)
                if errors:
                    raise LookupError(f"can't parse entities: {errors}")
            elif not text.strip() or _utf16(text) > 4096:
                raise LookupError("message text is empty or too long")
        if method == "sendMessage":
            return self._sent_message(params)
        if method == "editMessageText":
            return self._sent_message(params, message_id=int(params["message_id"]))
        if method == "getFile":
            file_id = params["file_id"]
            if file_id not in self.files:
                raise LookupError("file not found")
            path, data = self.files[file_id]
            return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data),
                    "file_path": path}
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if method in ("sendChatAction", "answerCallbackQuery", "setMyCommands", "deleteWebhook",
                      "setWebhook", "close", "logOut", "deleteMyCommands"):
            return True
        raise LookupError(f"method {method} not implemented by the fake")

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), self.max_poll_s)
        deadline = time.monotonic() + timeout
        with self._cond:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            return self._updates[:limit]

    # -- building updates ----------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            update["update_id"] = next(self._update_ids)
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        user_id: int | None = None,
        username: str | None = None,
        chat_type: str = "private",
        reply_to: dict[str, Any] | None = None,
        document: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Queue a message update; returns the message (``message_id`` for reply checks)."""
        user_id = user_id if user_id is not None else chat_id
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"user{user_id}"
        else:
            chat["title"] = f"group {chat_id}"
        self.chats[chat_id] = chat
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"}
        if username:
            user["username"] = username
        msg: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": chat, "from": user,
        }
        if text is not None:
            msg["text"] = text
            entities = []
            cmd = re.match(r"/\w+(@\w+)?", text)
            if cmd:
                entities.append({"type": "bot_command", "offset": 0, "length": cmd.end()})
            for m in re.finditer(r"(?<!\w)@\w{3,}", text):
                entities.append({"type": "mention", "offset": _utf16(text[: m.start()]),
                                 "length": _utf16(m.group())})
            if entities:
                msg["entities"] = entities
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        if document is not None:
            msg["document"] = document
        self.push({"message": msg})
        return msg

    def add_file(self, file_id: str, file_name: str, data: bytes) -> dict[str, Any]:
        """Serve ``data`` through getFile + the file URL; returns a Document for ``message``."""
        self.files[file_id] = (f"documents/{file_name}", data)
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name,
                "mime_type": "text/plain", "file_size": len(data)}

    def callback(self, chat_id: int, data: str, message: dict[str, Any], *,
                 user_id: int | None = None) -> dict[str, Any]:
        user_id = user_id if user_id is not None else chat_id
        return self.push({"callback_query": {
            "id": str(next(self._update_ids)), "chat_instance": str(chat_id), "data": data,
            "from": {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"},
            "message": message,
        }})

    # -- assertions ----------------------------------------------------------------------------

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        with self._cond:
            calls = list(self.calls)
        return [c for c in calls if c.method == method
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of every sendMessage (to ``chat_id``)."""
        return [c.params for c in self.calls_to("sendMessage", chat_id)]

    async def wait_for(
        self, check: Callable[[], Any], *, timeout: float = 15.0, what: str = "condition"
    ) -> Any:
        """Poll ``check`` until it returns something truthy (returned) or fail at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                methods = [(c.method, c.params.get("chat_id")) for c in self.calls[-20:]]
                raise AssertionError(f"timed out waiting for {what}; last calls: {methods}")
            await asyncio.sleep(0.02)

    async def wait_sent(self, chat_id: int, n: int = 1, **kw: Any) -> list[dict[str, Any]]:
        """Wait until ``n`` messages went to ``chat_id``; returns them."""
        return list(await self.wait_for(
            lambda: (lambda s: s if len(s) >= n else None)(self.sent(chat_id)),
            what=f"{n} sendMessage to chat {chat_id}", **kw,
        ))
