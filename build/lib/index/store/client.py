"""Opening Chroma: an embedded ``PersistentClient`` in the data dir (or a private copy when the
data dir is read-only or full), or an ``HttpClient`` to a server with our timeout; connection
failures become one ``StoreUnavailable`` line naming host:port and what to check."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from index.config import IndexConfig
from index.store.paths import make_private_dir
from index.store.systems import adopt, forget_path

log = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """The Chroma server cannot be reached: the message says which host and what to check."""


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def open_client(cfg: IndexConfig) -> Any:
    if not cfg.server_mode:
        import chromadb

        path = _local_path(cfg)
        try:
            return adopt(chromadb.PersistentClient(path=str(path), settings=_chroma_settings()))
        except Exception as exc:
            from index.datadir import is_disk_full

            forget_path(str(path))
            # Chroma writes when it opens: on a full disk, answer from a copy elsewhere.
            if not is_disk_full(exc) or not (path / "chroma.sqlite3").exists():
                raise
            return open_copy(cfg, path, "opening the index")
    # chromadb's HttpClient has no timeout option (its httpx session waits forever), so a
    # plain heartbeat with our timeout goes first (before chromadb's ~2 s import), then the
    # client is built on a session that already has the same timeout.
    _preflight(cfg)
    try:
        return adopt(_http_client(cfg))
    except Exception as exc:
        raise StoreUnavailable(server_hint(cfg, exc)) from exc


def _http_client(cfg: IndexConfig) -> Any:
    """What ``chromadb.HttpClient`` does, with our timeout set on each httpx session before
    its first request: the constructor asks who we are and checks tenant and database (the
    latter through an admin client with a session of its own), and a server that froze after
    our heartbeat would hang it for good. chromadb 1.5 internals, pinned."""
    settings = _chroma_settings()
    settings.chroma_api_impl = "chromadb.api.fastapi.FastAPI"
    settings.chroma_server_host = cfg.chroma_host or "localhost"
    settings.chroma_server_http_port = cfg.chroma_port
    settings.chroma_server_ssl_enabled = cfg.chroma_ssl
    settings.chroma_server_headers = dict(cfg.chroma_headers) or None
    return _timed_client_class()(cfg.chroma_timeout_s, settings)


@functools.cache
def _timed_client_class() -> Any:
    from chromadb.api.client import Client

    class TimedClient(Client):
        """``Client`` whose constructor's requests wait at most ``timeout_s`` each."""

        def __init__(self, timeout_s: float, settings: Any) -> None:
            self._timeout_s = timeout_s
            super().__init__(settings=settings)

        def get_user_identity(self) -> Any:
            _set_timeout(self._server, self._timeout_s)  # the first request from __init__
            return super().get_user_identity()

        def _validate_tenant_database(self, tenant: str, database: str) -> None:
            _set_timeout(getattr(self._admin_client, "_server", None), self._timeout_s)
            super()._validate_tenant_database(tenant=tenant, database=database)

    return TimedClient


def open_copy(cfg: IndexConfig, path: Path, what: str) -> Any:
    """An embedded client on a private copy of ``path`` (``chroma/``), with one warning line:
    for answering when Chroma cannot write in the data dir because its disk is full."""
    import chromadb

    from index.datadir import DiskFull, read_only_copy

    log.warning("%s; answering from a temporary copy of the index meanwhile",
                DiskFull(cfg.data_dir, what=what))
    copy = read_only_copy(path)
    return adopt(chromadb.PersistentClient(path=str(copy), settings=_chroma_settings()))


def _local_path(cfg: IndexConfig) -> Path:
    """Where embedded Chroma opens the index: in the data dir, or, when that is read-only,
    a private copy (Chroma cannot open a database it may not write; ``index.datadir``)."""
    from index.datadir import ReadOnlyDataDir, read_only_copy, writable

    sqlite = cfg.chroma_dir / "chroma.sqlite3"
    if writable(cfg.data_dir) and writable(cfg.chroma_dir) and (
        not sqlite.exists() or os.access(sqlite, os.W_OK)
    ):
        make_private_dir(cfg.data_dir)
        return cfg.chroma_dir
    if not sqlite.exists():
        raise ReadOnlyDataDir(cfg.data_dir, "creating the index", answering=False)
    return read_only_copy(cfg.chroma_dir)


def _server_url(cfg: IndexConfig) -> str:
    host = cfg.chroma_host or "localhost"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    return f"{'https' if cfg.chroma_ssl else 'http'}://{host}:{cfg.chroma_port}"


def _preflight(cfg: IndexConfig) -> None:
    import httpx

    try:
        resp = httpx.get(
            _server_url(cfg) + "/api/v2/heartbeat",
            headers=cfg.chroma_headers,
            timeout=cfg.chroma_timeout_s,
        )
    except (httpx.HTTPError, OSError) as exc:
        raise StoreUnavailable(server_hint(cfg, exc)) from exc
    if resp.status_code in (401, 403):
        raise StoreUnavailable(
            f"Chroma server at {cfg.chroma_host}:{cfg.chroma_port} refused the credentials "
            f"(HTTP {resp.status_code}). Check NEWSQA_CHROMA_AUTH_TOKEN/NEWSQA_CHROMA_AUTH_HEADER."
        )
    if resp.status_code >= 400:
        raise StoreUnavailable(server_hint(cfg, RuntimeError(f"HTTP {resp.status_code}")))


def _set_timeout(server: Any, seconds: float) -> None:
    """Give chromadb's httpx session (``timeout=None`` upstream) our timeout."""
    import httpx

    session = getattr(server, "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds)


def server_hint(cfg: IndexConfig, exc: BaseException) -> str:
    text = str(exc).strip()
    reason = text.splitlines()[0][:160] if text else type(exc).__name__
    if reason.startswith("[Errno"):
        reason = reason.split("]", 1)[-1].strip()
    if _is_timeout(exc):
        reason = f"no answer within {cfg.chroma_timeout_s:g} s"
    return (
        f"Chroma server at {cfg.chroma_host}:{cfg.chroma_port} is unavailable ({reason}). "
        "Check that it is running (chroma run --path DIR --port N) and that "
        "NEWSQA_CHROMA_HOST/NEWSQA_CHROMA_PORT point at it."
    )


def _causes(exc: BaseException) -> Iterable[BaseException]:
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _is_timeout(exc: BaseException) -> bool:
    import httpx

    return any(isinstance(e, (httpx.TimeoutException, TimeoutError)) for e in _causes(exc))


def is_connection_error(exc: BaseException) -> bool:
    import httpx

    for seen in _causes(exc):
        if isinstance(seen, (httpx.TransportError, ConnectionError, TimeoutError)):
            return True
        name = type(seen).__name__.lower()
        if "connect" in name or "timeout" in name:
            return True
    return False


def is_stale_connection(exc: BaseException) -> bool:
    """The server closed a kept-alive connection (it restarted): one retry is worth it."""
    import httpx

    return any(isinstance(e, httpx.RemoteProtocolError) for e in _causes(exc))
