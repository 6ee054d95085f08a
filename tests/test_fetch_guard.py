"""URL downloads under attack (issue 13, items 1 and 10): a server that trickles bytes, and
URLs that point at private, loopback or link-local addresses. Real HTTP servers on
127.0.0.1, the real ingest pipeline and CLI."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from local_http import LocalHTTP, redirect, text, trickle_body, trickle_headers
from test_cli import SEEDS, cli_env, run_cli

from index.embed import OnnxEmbedder
from index.engine import Engine
from index.ingest.fetch import ALLOW_HINT, Fetched, fetch, is_public, new_client
from index.ingest.pipeline import ingest_lock
from index.ingest.skipped import Skipped


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path / "seeds"


# -- item 1: a total deadline ----------------------------------------------------------------


@pytest.mark.parametrize("route", [trickle_body(), trickle_headers()], ids=["body", "headers"])
def test_trickling_server_is_cut_at_the_deadline(route: object) -> None:
    with LocalHTTP({"/slow": route}) as srv:  # type: ignore[dict-item]
        t0 = time.monotonic()
        got = fetch(srv.url("/slow"), max_bytes=10**6, timeout=5.0, client=None,
                    deadline_s=1.0, allow_private=True)
        elapsed = time.monotonic() - t0
    assert isinstance(got, Skipped), got
    assert got.reason == "could not fetch: no complete response within 1 s"
    assert elapsed < 3.0, elapsed  # the per-read timeout (5 s) never fired: bytes kept coming


def test_deadline_comes_from_the_client_policy() -> None:
    with (
        LocalHTTP({"/slow": trickle_body(), "/ok": text()}) as srv,
        new_client(5.0, deadline_s=1.0, allow_private=True) as client,
    ):
        t0 = time.monotonic()
        slow = fetch(srv.url("/slow"), max_bytes=10**6, timeout=5.0, client=client)
        assert time.monotonic() - t0 < 3.0
        ok = fetch(srv.url("/ok"), max_bytes=10**6, timeout=5.0, client=client)
    assert isinstance(slow, Skipped) and "within 1 s" in slow.reason
    assert isinstance(ok, Fetched) and ok.data.startswith(b"Council approves")


def test_trickling_url_does_not_hold_the_ingest(
    tmp_path: Path, embedder: OnnxEmbedder, seed_dir: Path
) -> None:
    """Through the CLI: the slow URL is skipped after NEWSQA_FETCH_TIMEOUT, the other inputs
    are ingested, and the lock is free again (before: nothing happened for 20 s)."""
    data = tmp_path / "data"
    env = cli_env(data, seed_dir, embedder)
    env.update(NEWSQA_FETCH_TIMEOUT="1.5", NEWSQA_ALLOW_PRIVATE_URLS="1")
    with LocalHTTP({"/slow": trickle_body(every_s=0.2, for_s=60)}) as srv:
        t0 = time.monotonic()
        result = run_cli(["ingest", srv.url("/slow"), str(seed_dir)], env, tmp_path)
        elapsed = time.monotonic() - t0
    assert result.returncode == 0, result.stderr
    assert "no complete response within 1.5 s" in result.stdout
    assert "added 2, updated 0, unchanged 0, removed 0, skipped 1" in result.stdout
    assert elapsed < 45, elapsed  # a cold subprocess embeds the seeds; the URL costs 1.5 s
    with ingest_lock(data):  # released: nothing is still running
        pass


@pytest.fixture
def mute_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A host name whose resolution never answers (``socket.getaddrinfo`` blocks for it until
    the test ends); other names resolve as usual."""
    real = socket.getaddrinfo
    release = threading.Event()
    host = "dns-never-answers.example"

    def getaddrinfo(name: Any, *args: Any, **kwargs: Any) -> Any:
        if name == host:
            release.wait(120)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield host
    release.set()


@pytest.mark.parametrize("allow_private", [False, True], ids=["checked", "allowed"])
def test_dns_that_never_answers_is_cut_at_the_deadline(mute_dns: str, allow_private: bool) -> None:
    """Resolution (for the private-address check and again to connect) is inside the deadline:
    before, each lookup waited as long as the system resolver did (60 s and more)."""
    t0 = time.monotonic()
    got = fetch(f"http://{mute_dns}/news", max_bytes=10**6, timeout=5.0, client=None,
                deadline_s=1.0, allow_private=allow_private)
    elapsed = time.monotonic() - t0
    assert isinstance(got, Skipped), got
    assert got.reason == "could not fetch: no complete response within 1 s"
    assert elapsed < 3.0, elapsed


# -- item 10: private, loopback and link-local targets ----------------------------------------


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.0.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1",
])
def test_non_public_addresses(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses(address: str) -> None:
    assert is_public(address)


def test_private_targets_are_refused_before_any_request() -> None:
    with LocalHTTP({"/a": text()}) as srv:
        urls = [
            srv.url("/a"),
            srv.url("/a", host="localhost"),  # a name: judged after DNS resolution
            f"http://[::1]:{srv.port}/a",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/internal",
            "http://0.0.0.0/",
        ]
        results = [fetch(u, max_bytes=10**6, timeout=2.0, client=None) for u in urls]
        assert srv.hits["/a"] == 0
    for url, got in zip(urls, results, strict=True):
        assert isinstance(got, Skipped), url
        assert got.reason.startswith("refused: ") and ALLOW_HINT in got.reason, got.reason
        assert "private, loopback or link-local" in got.reason
    assert "localhost (127.0.0.1)" in results[1].reason  # type: ignore[union-attr]


def test_every_redirect_hop_is_checked() -> None:
    """The first server is trusted by host:port; it redirects to the second (private) one,
    by IP and by name, which must not be reached."""
    with LocalHTTP({"/secret": text(b"internal only\n\nsalaries")}) as inner:
        routes = {
            "/to-ip": redirect(inner.url("/secret")),
            "/to-name": redirect(inner.url("/secret", host="localhost")),
            "/to-metadata": redirect("http://169.254.169.254/latest/meta-data/"),
        }
        with LocalHTTP(routes) as outer:
            client = new_client(2.0, trusted=[f"127.0.0.1:{outer.port}"])
            with client:
                got = {
                    path: fetch(outer.url(path), max_bytes=10**6, timeout=2.0, client=client)
                    for path in routes
                }
            assert all(outer.hits[p] == 1 for p in routes)
        assert inner.hits["/secret"] == 0
    for path, result in got.items():
        assert isinstance(result, Skipped) and result.reason.startswith("refused: "), path


def test_allowance_lets_local_urls_through(make_engine: Callable[..., Engine]) -> None:
    with LocalHTTP({"/a": text()}) as srv:
        denied = make_engine("d1").ingest([srv.url("/a")])
        allowed = make_engine("d2", allow_private_urls=True).ingest(
            [srv.url("/a")]
        )
    assert denied.skipped and denied.skipped[0][1].startswith("refused: ")
    assert len(allowed.added) == 1 and not allowed.skipped


def test_cli_refuses_private_urls_unless_allowed(
    tmp_path: Path, embedder: OnnxEmbedder, seed_dir: Path
) -> None:
    env = cli_env(tmp_path / "data", seed_dir, embedder)
    with LocalHTTP({"/a.txt": text()}) as srv:
        refused = run_cli(["ingest", srv.url("/a.txt")], env, tmp_path)
        assert srv.hits["/a.txt"] == 0
        env["NEWSQA_ALLOW_PRIVATE_URLS"] = "1"
        allowed = run_cli(["ingest", srv.url("/a.txt")], env, tmp_path)
    assert refused.returncode == 1
    assert "private, loopback or link-local" in refused.stdout and ALLOW_HINT in refused.stdout
    assert allowed.returncode == 0 and "added 1" in allowed.stdout, allowed.stdout
