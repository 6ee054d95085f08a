"""Chroma client/server mode against a real ``chroma run`` on a free loopback port.

The server is started once for the module (it takes a few seconds) and always terminated.
Each bot process keeps its own BM25 copy in its data dir, rebuilt from the shared collection,
so two engines with different data dirs answer the same from one server.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fakes import share_graphs  # tests/ is on sys.path

from index.config import IndexConfig
from index.embed import OnnxEmbedder
from index.engine import Engine
from index.store import StoreUnavailable

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
CHROMA = Path(sys.executable).with_name("chroma")
QUESTION = "How many Ukrainians returned home on Friday?"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMA.exists(), reason=f"no chroma executable at {CHROMA}"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """``chroma run --path PATH --port PORT`` as a child process, stoppable and restartable."""

    def __init__(self, path: Path, port: int, log: Path) -> None:
        self.path, self.port, self.log = path, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(CHROMA), "run", "--path", str(self.path), "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"chroma run exited early:\n{self.log.read_text(errors='replace')}")
            try:
                url = f"http://127.0.0.1:{self.port}/api/v2/heartbeat"
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"chroma run did not answer within {timeout:g} s")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)
        self.proc = None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    root = tmp_path_factory.mktemp("chroma-server")
    srv = ChromaServer(root / "db", free_port(), root / "chroma.log")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("server-seeds") / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


def server_engine(
    data_dir: Path, server: ChromaServer, embedder: OnnxEmbedder, timeout: float = 5.0
) -> Engine:
    cfg = IndexConfig(
        data_dir=data_dir, chroma_host="127.0.0.1", chroma_port=server.port,
        chroma_timeout_s=timeout,
    )
    return Engine(cfg, embedder=embedder)


@pytest.fixture(scope="module")
def engine(
    server: ChromaServer, seeds: Path, embedder: OnnxEmbedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Engine:
    eng = server_engine(tmp_path_factory.mktemp("bot-a") / "data", server, embedder)
    report = eng.ingest([str(seeds)])
    assert len(report.added) == 2, report.summary()
    return eng


def cli_env(data_dir: Path, port: int, embedder: OnnxEmbedder, seeds: Path) -> dict[str, str]:
    share_graphs(data_dir / "models", embedder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSQA_", "TELEGRAM_"))}
    env.update(
        NEWSQA_DATA_DIR=str(data_dir), NEWSQA_SEEDS_DIR=str(seeds), PYTHONPATH=str(REPO),
        NEWSQA_CHROMA_HOST="127.0.0.1", NEWSQA_CHROMA_PORT=str(port), NEWSQA_CHROMA_TIMEOUT="3",
    )
    return env


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=300,
    )


def assert_390(answer: dict[str, object]) -> None:
    assert answer["refused"] is False, answer
    quotes = [c["quote"] for c in answer["citations"]]  # type: ignore[attr-defined]
    assert any("390" in q for q in quotes), quotes


# -- no server needed -----------------------------------------------------------------------


def test_a_dead_server_fails_fast_naming_host_and_what_to_check(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    port = free_port()
    cfg = IndexConfig(data_dir=tmp_path / "d", chroma_host="127.0.0.1", chroma_port=port,
                      chroma_timeout_s=2.0)
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailable) as err:
        Engine(cfg, embedder=embedder).sources()
    assert time.monotonic() - t0 < 2.0
    msg = str(err.value)
    assert f"127.0.0.1:{port}" in msg and "chroma run" in msg and "\n" not in msg


def test_a_server_that_never_answers_times_out_within_the_setting(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    with socket.socket() as mute:  # accepts connections (kernel backlog), never replies
        mute.bind(("127.0.0.1", 0))
        mute.listen(8)
        port = mute.getsockname()[1]
        cfg = IndexConfig(data_dir=tmp_path / "d", chroma_host="127.0.0.1", chroma_port=port,
                          chroma_timeout_s=1.0)
        t0 = time.monotonic()
        with pytest.raises(StoreUnavailable, match="no answer within 1 s"):
            Engine(cfg, embedder=embedder).sources()
        assert time.monotonic() - t0 < 3.0


HEARTBEAT = b'{"nanosecond heartbeat": 1}'
IDENTITY = b'{"user_id": "", "tenant": "default_tenant", "databases": ["default_database"]}'


class AnswersThenFreezes:
    """Answers its first requests with ``bodies`` in turn, then accepts connections but never
    replies: a Chroma server that froze partway through opening the client."""

    def __init__(self, bodies: list[bytes]) -> None:
        self.bodies = bodies
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            for body in self.bodies:
                conn, _ = self.sock.accept()
                with conn:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Connection: close\r\nContent-Length: %d\r\n\r\n%s"
                                 % (len(body), body))
            while True:
                self.held.append(self.sock.accept()[0])  # frozen: never answers

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.mark.parametrize(
    "answered", [[HEARTBEAT], [HEARTBEAT, IDENTITY]], ids=["at-identity", "at-tenant"]
)
def test_a_server_frozen_after_the_heartbeat_times_out_within_the_setting(
    answered: list[bytes], tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    """chromadb's client makes requests in its constructor (who are we, which tenant and
    database): each is bounded by NEWSQA_CHROMA_TIMEOUT too."""
    frozen = AnswersThenFreezes(answered)
    cfg = IndexConfig(data_dir=tmp_path / "d", chroma_host="127.0.0.1", chroma_port=frozen.port,
                      chroma_timeout_s=1.0)
    errors: list[BaseException] = []

    def open_and_list() -> None:
        try:
            Engine(cfg, embedder=embedder).sources()
        except BaseException as exc:  # reported below
            errors.append(exc)

    worker = threading.Thread(target=open_and_list, daemon=True)
    try:
        worker.start()
        worker.join(timeout=10.0)  # chromadb's import (~2 s) and one 1 s wait, generously
        hung = worker.is_alive()
    finally:
        frozen.close()  # releases a hung client on the old code
        worker.join(timeout=10.0)
    assert not hung, "the client waited past NEWSQA_CHROMA_TIMEOUT"
    (err,) = errors
    assert isinstance(err, StoreUnavailable), repr(err)
    assert "no answer within 1 s" in str(err) and "\n" not in str(err)


# -- against the real server ----------------------------------------------------------------


def test_ingest_and_answer_through_the_server(engine: Engine) -> None:
    assert len(engine.sources()) == 2
    assert not (engine.cfg.data_dir / "chroma").exists()  # vectors live on the server
    assert_390(engine.answer(QUESTION).to_json())


def test_a_second_bot_process_shares_the_index_with_its_own_bm25(
    engine: Engine, server: ChromaServer, embedder: OnnxEmbedder, seeds: Path, tmp_path: Path
) -> None:
    other = server_engine(tmp_path / "bot-b", server, embedder)
    assert other.sources() == engine.sources()
    assert list((tmp_path / "bot-b" / "bm25").iterdir())  # rebuilt beside it
    assert other.ingest([str(seeds)]).chunks_embedded == 0
    assert_390(other.answer(QUESTION).to_json())


def test_cli_ingest_and_ask_against_the_server(
    engine: Engine, server: ChromaServer, embedder: OnnxEmbedder, seeds: Path, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "cli-data", server.port, embedder, seeds)
    ingested = run_cli(["ingest", str(seeds)], env, tmp_path)
    assert ingested.returncode == 0, ingested.stderr
    assert "unchanged 2" in ingested.stdout  # the same index, seen from another process
    asked = run_cli(["ask", "--json", QUESTION], env, tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert_390(json.loads(asked.stdout))


def test_outage_gives_one_line_and_the_engine_recovers_on_restart(
    engine: Engine, server: ChromaServer, embedder: OnnxEmbedder, seeds: Path, tmp_path: Path
) -> None:
    """Runs last: it stops the module's server and starts it again on the same path/port."""
    server.stop()
    try:
        env = cli_env(tmp_path / "cli-data", server.port, embedder, seeds)
        asked = run_cli(["ask", QUESTION], env, tmp_path)
        out = asked.stdout + asked.stderr
        assert asked.returncode != 0
        assert "Traceback" not in out
        (line,) = out.strip().splitlines()
        assert f"127.0.0.1:{server.port}" in line and "unavailable" in line

        with pytest.raises(StoreUnavailable):
            engine.answer(QUESTION)
        with pytest.raises(StoreUnavailable):
            engine.sources()
    finally:
        server.start()
    assert_390(engine.answer(QUESTION).to_json())  # the same object, no reset needed
    engine.reset_store()  # what the Telegram bot does after an outage: harmless
    assert len(engine.sources()) == 2
