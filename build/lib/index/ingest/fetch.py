"""HTTP(S) downloads for URL inputs: one shared client, a size cap, short one-line reasons.
``fetch`` returns the raw bytes and declared content type; how to read them is ``read``'s job.

Two guards sit at the socket level, where no server can slip past them:

- **A total deadline** (``FetchPolicy.deadline_s``) over the whole download, redirects
  included. A per-read timeout alone lets a server that sends one byte a second hold an
  ingest (and its lock) forever; here every DNS lookup, connect, read and write gets at
  most the time left.
- **No private targets**: loopback, private, link-local (cloud metadata at 169.254.169.254)
  and other non-global addresses are refused after DNS resolution, on the first request and
  on every redirect, unless ``allow_private`` is set. The check runs on the addresses the
  socket then connects to, so a name that resolves differently the second time (DNS
  rebinding) is caught too.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from index.ingest.skipped import Skipped, short, size_text

USER_AGENT = "newsqa/0.1"
MAX_REDIRECTS = 5
HTML_SUFFIXES = (".html", ".htm")
DEFAULT_DEADLINE_S = 60.0
"""Seconds for one URL's whole download (connect, redirects, headers, body)."""
ALLOW_HINT = "set NEWSQA_ALLOW_PRIVATE_URLS=1 to allow"

_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


@dataclass(frozen=True)
class FetchPolicy:
    """What a download may do: ``deadline_s`` seconds in all, private targets or not.

    ``trusted`` names ``host:port`` pairs (as written in the URL) that may be private even
    when ``allow_private`` is off, e.g. one intranet news server; every other hop is checked.
    """

    deadline_s: float = DEFAULT_DEADLINE_S
    allow_private: bool = False
    trusted: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Fetched:
    """A downloaded body: ``mime`` lower-cased without parameters, ``charset`` as declared;
    ``status`` 304 (with empty ``data``) answers a conditional GET; ``etag`` and
    ``last_modified`` are the validators to send next time."""

    url: str
    data: bytes
    mime: str
    charset: str | None
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None


class BlockedAddress(Exception):
    """A URL's host resolves to an address that is not public (and that is not allowed)."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to {address}")
        self.host, self.address = host, address

    @property
    def reason(self) -> str:
        shown = self.host if self.host == self.address else f"{self.host} ({self.address})"
        return f"refused: {shown} is a private, loopback or link-local address; {ALLOW_HINT}"


@dataclass(frozen=True)
class _Active:
    deadline: float  # time.monotonic() value
    allow_private: bool
    trusted: frozenset[str] = frozenset()


_ACTIVE: ContextVar[_Active | None] = ContextVar("newsqa_fetch_active", default=None)


def is_public(address: str) -> bool:
    """True for a globally routable unicast address (IPv4-mapped IPv6 judged as IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (resolver's order, no duplicates). ``getaddrinfo``
    has no timeout: under a fetch's deadline it runs in a daemon thread waited for until then."""
    active = _ACTIVE.get()
    if active is None:
        return _lookup(host, port)
    outcome: list[list[str] | BaseException] = []

    def work() -> None:
        try:
            outcome.append(_lookup(host, port))
        except BaseException as exc:  # handed to the waiting thread
            outcome.append(exc)

    (worker := threading.Thread(target=work, name="newsqa-resolve", daemon=True)).start()
    worker.join(max(0.0, active.deadline - time.monotonic()))
    if not outcome:  # the thread is left to finish on its own; nobody waits for it
        raise TimeoutError(f"no address for {host} before the download deadline")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _lookup(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_host(host: str, port: int = 80) -> None:
    """Raise :class:`BlockedAddress` if ``host`` (a name or an IP) resolves to a non-public
    address. A name that does not resolve passes: connecting will fail with its own reason."""
    try:
        addresses = _resolve(host, port)
    except (OSError, UnicodeError):
        return
    for address in addresses:
        if not is_public(address):
            raise BlockedAddress(host, address)


def _left(kind: type[httpcore.TimeoutException], timeout: float | None) -> float | None:
    """``timeout`` cut to what is left of the active deadline; past it, raise ``kind``."""
    active = _ACTIVE.get()
    if active is None:
        return timeout
    left = active.deadline - time.monotonic()
    if left <= 0:
        raise kind("the download deadline has passed")
    return left if timeout is None else min(timeout, left)


class _GuardedStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends by the active deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(httpcore.ReadTimeout, timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(httpcore.WriteTimeout, timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _left(httpcore.ConnectTimeout, timeout)
        )
        return _GuardedStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves the host itself, refuses non-public addresses, then connects to one of the
    checked addresses (TLS still verifies the name: httpcore passes it as SNI)."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self._sync = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        active = _ACTIVE.get()
        allow = active.allow_private if active is not None else self.policy.allow_private
        trusted = active.trusted if active is not None else self.policy.trusted
        allow = allow or f"{host}:{port}" in trusted
        _left(httpcore.ConnectTimeout, timeout)
        try:
            addresses = _resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        if not allow:
            for address in addresses:
                if not is_public(address):
                    raise BlockedAddress(host, address)
        error: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                stream = self._sync.connect_tcp(
                    address, port, _left(httpcore.ConnectTimeout, timeout), local_address,
                    socket_options,
                )
            except httpcore.ConnectError as exc:
                error = exc
                continue
            return _GuardedStream(stream)
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for URL inputs")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` with our network backend (httpx has no public hook for one;
    ``_pool`` is what its ``handle_request`` uses, httpx pinned at 0.28.1)."""

    def __init__(self, policy: FetchPolicy) -> None:  # no super().__init__: our own pool
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(policy),
        )


class FetchClient(httpx.Client):
    """An ``httpx.Client`` whose connections obey a :class:`FetchPolicy`."""

    def __init__(self, timeout: float, policy: FetchPolicy) -> None:
        # No HTTP(S)_PROXY: a proxy would hide the target's address from the private check.
        super().__init__(
            timeout=timeout,
            follow_redirects=False,  # fetch() follows them itself, checking each hop
            headers={"User-Agent": USER_AGENT},
            transport=_GuardedTransport(policy),
        )
        self.policy = policy


def new_client(
    timeout: float,
    *,
    deadline_s: float = DEFAULT_DEADLINE_S,
    allow_private: bool = False,
    trusted: Iterable[str] = (),
) -> FetchClient:
    """A client for :func:`fetch`: ``timeout`` per connect/read, ``deadline_s`` per URL."""
    return FetchClient(timeout, FetchPolicy(deadline_s, allow_private, frozenset(trusted)))


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
    deadline_s: float | None = None,
    allow_private: bool | None = None,
    headers: Mapping[str, str] | None = None,
) -> Fetched | Skipped:
    """GET ``url`` into memory, never holding more than ``max_bytes``. Never raises for a
    bad URL or server: failures come back as :class:`Skipped`.

    ``timeout`` bounds each connect/read (seconds); ``deadline_s`` the whole download,
    redirects included. ``deadline_s`` and ``allow_private`` default to the client's
    :class:`FetchPolicy` (a :class:`FetchClient`), else to ``DEFAULT_DEADLINE_S`` / False.
    Redirects are followed here (at most ``MAX_REDIRECTS``), each target checked.
    ``headers`` are added to the request (e.g. ``If-None-Match`` / ``If-Modified-Since`` for
    a conditional GET: a 304 answer comes back as a ``Fetched`` with ``status=304``).
    """
    own = client is None
    http = new_client(timeout) if client is None else client
    policy = http.policy if isinstance(http, FetchClient) else FetchPolicy()
    limit = policy.deadline_s if deadline_s is None else deadline_s
    allow = policy.allow_private if allow_private is None else allow_private
    deadline = time.monotonic() + limit
    token = _ACTIVE.set(_Active(deadline, allow, policy.trusted))
    try:
        return _get(http, url, max_bytes=max_bytes, timeout=timeout, allow=allow,
                    trusted=policy.trusted, deadline=deadline, headers=headers)
    except BlockedAddress as exc:
        return Skipped(url, exc.reason)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        if isinstance(exc, httpx.TimeoutException) and time.monotonic() >= deadline - 0.05:
            return Skipped(url, f"could not fetch: no complete response within {limit:g} s")
        return Skipped(url, _fetch_reason(exc))
    finally:
        _ACTIVE.reset(token)
        if own:
            http.close()


def _get(
    http: httpx.Client, url: str, *, max_bytes: int, timeout: float, allow: bool,
    trusted: frozenset[str], deadline: float, headers: Mapping[str, str] | None = None,
) -> Fetched | Skipped:
    """The download itself, under the deadline set by :func:`fetch`."""
    current = httpx.URL(url)
    for _hop in range(MAX_REDIRECTS + 1):
        port = current.port or (443 if current.scheme == "https" else 80)
        if not allow and current.host and f"{current.host}:{port}" not in trusted:
            check_host(current.host, port)
        request = http.build_request("GET", current, timeout=timeout, headers=headers)
        resp = http.send(request, stream=True, follow_redirects=False)
        try:
            if resp.next_request is not None:
                current = resp.next_request.url
                continue
            etag, modified = resp.headers.get("etag"), resp.headers.get("last-modified")
            if resp.status_code == 304 and headers:
                return Fetched(url, b"", "", None, status=304, etag=etag, last_modified=modified)
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
                if time.monotonic() >= deadline:  # a trickle of tiny chunks ends here too
                    raise httpx.ReadTimeout("the download deadline has passed")
            mime, charset = parse_content_type(resp.headers.get("content-type", ""))
            return Fetched(url, b"".join(chunks), mime, charset, resp.status_code, etag, modified)
        finally:
            resp.close()
    return Skipped(url, f"could not fetch: more than {MAX_REDIRECTS} redirects")


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
