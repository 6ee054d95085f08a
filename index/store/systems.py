"""Closing Chroma's systems: each open client holds a chromadb ``System`` (the SQLite
connections and HNSW files of one index, or an HTTP session), cached by chromadb per path.

A store that reopens the index (another process wrote, or a private copy takes over) must
stop the old system, or every reopen keeps its ~10 file descriptors until the process ends:
a bot beside ``newsqa watch`` reopens after every refresh and runs out of descriptors. But a
reader in another thread may still be inside a query on the old collection, so a *retired*
system is stopped only by the first ``adopt``/``release`` at least ``RETIRE_AFTER_S`` later
(so at most the systems retired since then, and the last one, stay open); a *closed* one
(``Engine.close``) at once.

chromadb's own refcount (``Client.close``) is keyed by path, so closing a retired client would
stop the *new* system of the same path. We count our own clients per ``System`` object
instead. chromadb 1.5 internals, pinned.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

RETIRE_AFTER_S = 30.0
"""A retired system is stopped this long after its last client let go: longer than any read
(queries take milliseconds; a Chroma server call is bounded by ``NEWSQA_CHROMA_TIMEOUT``)."""

_lock = threading.Lock()
_users: dict[int, int] = {}  # id(System) -> newsqa clients opened on it and not let go
_retired: list[tuple[float, Any]] = []  # (stop after, System)


def adopt(client: Any) -> Any:
    """Count ``client`` (just built) as a user of its system; returns the client."""
    system = _system_of(client)
    if system is not None:
        with _lock:
            _users[id(system)] = _users.get(id(system), 0) + 1
            client._newsqa_system = system
    _stop_due()
    return client


def release(client: Any, *, now: bool = False) -> None:
    """``client`` is no longer used by its store. A retiring client (a reopen) takes its
    system out of chromadb's cache, so the next client for the path loads afresh; the system
    is stopped when no newsqa client uses it any more: after ``RETIRE_AFTER_S``, or at once
    with ``now`` (a closing store)."""
    system = getattr(client, "_newsqa_system", None)
    if system is None:
        return
    with _lock:
        client._newsqa_system = None
        left = _users.get(id(system), 0) - 1
        if not now or left <= 0:
            _uncache(system)
        if left > 0:
            _users[id(system)] = left
        else:
            _users.pop(id(system), None)
            if not now:
                _retired.append((time.monotonic() + RETIRE_AFTER_S, system))
    if now and left <= 0:
        _stop(system)
    _stop_due()


def detach(client: Any) -> None:
    """Take ``client``'s system out of chromadb's cache (the next client for its path loads
    the index afresh) while ``client`` goes on working; ``release`` it once replaced."""
    system = getattr(client, "_newsqa_system", None)
    if system is not None:
        with _lock:
            _uncache(system)


def stop_retired() -> None:
    """Stop every retired system now (at exit, or in a test that waits for no one)."""
    with _lock:
        due = [system for _, system in _retired]
        _retired.clear()
    for system in due:
        _stop(system)


def _stop_due() -> None:
    moment = time.monotonic()
    with _lock:
        due = [system for when, system in _retired if when <= moment]
        _retired[:] = [(when, s) for when, s in _retired if when > moment]
    for system in due:
        _stop(system)


def _system_of(client: Any) -> Any:
    from chromadb.api.shared_system_client import SharedSystemClient

    ident = getattr(client, "_identifier", None)
    return SharedSystemClient._identifier_to_system.get(ident) if ident is not None else None


def forget_path(path: str) -> None:
    """Drop chromadb's cached system for ``path`` after a failed open: chromadb keeps the
    half-started one and hands it out again (``'RustBindingsAPI' has no 'bindings'``)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(path, None)
    SharedSystemClient._identifier_to_refcount.pop(path, None)


def _uncache(system: Any) -> None:
    """Drop ``system`` from chromadb's per-path cache if it is still the cached one."""
    from chromadb.api.shared_system_client import SharedSystemClient

    cache = SharedSystemClient._identifier_to_system
    for ident, cached in list(cache.items()):
        if cached is system:
            cache.pop(ident, None)
            SharedSystemClient._identifier_to_refcount.pop(ident, None)


def _stop(system: Any) -> None:
    """Stop ``system`` and give back its descriptors now: its SQLite handles are freed only
    when the objects holding them are collected, which they sit in reference cycles for, so
    they stayed open until the next cyclic collection (three of them, at a moment no one
    chose: a test counting descriptors failed now and then). Systems stop rarely (a close, a
    reopen after another writer), so a full collection here costs nothing that matters."""
    with contextlib.suppress(Exception):  # a half-started or already stopped system
        system.stop()
    gc.collect()
    log.debug("stopped a chroma system")
