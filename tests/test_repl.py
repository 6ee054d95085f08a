"""The REPL driven by input: piped lines, a prompt_toolkit pipe input, and one real subprocess."""

from __future__ import annotations

import _thread
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fakes import share_graphs  # tests/ is on sys.path
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from bot.console import call_in_worker
from bot.repl import Repl, run_repl
from bot.settings import Settings
from index.engine import Engine

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"

Q1 = "How many Ukrainians returned home on Friday?"
Q_TALKS = "Where were the talks held?"
Q_RUSSIANS = "and how many Russians?"
FD_LEAK = ("a descriptor leak: prompt_toolkit's select() cannot watch a pipe at fd >= 1024 and "
           "the prompt would spin forever (tests/test_store_systems.py)")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(NEWSQA_DATA_DIR=tmp_path / "repl-data")  # type: ignore[call-arg]


def console() -> Console:
    return Console(file=io.StringIO(), width=100, highlight=False)


def text_of(con: Console) -> str:
    assert isinstance(con.file, io.StringIO)
    return con.file.getvalue()


def piped(engine: Engine, settings: Settings, *lines: str) -> str:
    con = console()
    run_repl(engine, settings, input_stream=io.StringIO("".join(f"{x}\n" for x in lines)),
             output=con)
    return text_of(con)


def test_piped_answers_and_follow_ups(seeded_engine: Engine, settings: Settings) -> None:
    out = piped(seeded_engine, settings, Q1, "", Q_RUSSIANS, Q_TALKS)
    assert "390" in out
    assert "(understood as: How many Russians" in out
    assert "Istanbul" in out
    assert "\x1b" not in out and "›" not in out  # no ANSI, no prompt chrome
    assert "Traceback" not in out


def test_reset_forgets_the_conversation(seeded_engine: Engine, settings: Settings) -> None:
    out = piped(seeded_engine, settings, Q1, "/reset", Q_RUSSIANS)
    assert "Conversation cleared" in out
    assert "understood as" not in out


def test_piped_commands(seeded_engine: Engine, settings: Settings) -> None:
    out = piped(seeded_engine, settings, "/help", "/sources", "/k 3", "/k bad", "/k 51", "/unknown",
                "/json", Q1, "/quit", Q_TALKS)
    assert "/ingest PATH|URL" in out
    assert "Ukraine and Russia Conduct Massive Prisoner Swap" in out  # /sources
    assert "k = 3" in out and "(now 3)" in out  # the help after /unknown shows the new k
    assert "'bad'" in out and "'51'" in out
    assert "Unknown command /unknown." in out
    answers = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(answers) == 1  # nothing after /quit
    assert answers[0]["question"] == Q1 and answers[0]["refused"] is False
    assert any("390" in c["quote"] for c in answers[0]["citations"])


def test_repl_state(seeded_engine: Engine) -> None:
    con = console()
    repl = Repl(seeded_engine, out=con, err=con, plain=True)
    assert repl.effective_k == seeded_engine.cfg.top_k
    repl.handle("/k 3")
    assert repl.k == 3
    repl.handle("/k 0")
    assert repl.k == 3
    repl.handle(Q1)
    assert len(repl.history) == 1 and repl.history[0].question == Q1
    repl.handle("What is the capital of Peru?")  # refused, but kept: it names the topic
    assert len(repl.history) == 2 and repl.history[1].article_ids == ()
    assert "2 earlier turns" in repl.toolbar()
    repl.handle("/reset")
    assert repl.history == []
    assert repl.handle("/exit") is False


def test_empty_index_then_ingest(
    make_engine: Callable[..., Engine], settings: Settings, tmp_path: Path
) -> None:
    article = tmp_path / "bridge article.txt"
    article.write_text(
        "Harbour bridge reopens after repairs\n\n"
        "The Lindqvist Bridge in Tallinn reopened on Tuesday after 14 months of repairs, the city "
        "council said. About 30,000 cars are expected to cross it every day.\n",
        encoding="utf-8",
    )
    out = piped(make_engine(), settings, Q1, "/sources", "/ingest", f"/ingest {article}",
                "/sources", "How many cars are expected to cross the Lindqvist Bridge every day?")
    assert "Traceback" not in out
    assert out.count("The index is empty") == 2  # the question and the first /sources
    assert "Usage: /ingest" in out
    assert "added 1" in out
    assert "Harbour bridge reopens after repairs" in out
    assert "30,000" in out


def test_store_unavailable_keeps_the_session(
    make_engine: Callable[..., Engine], settings: Settings
) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = make_engine(chroma_host="127.0.0.1", chroma_port=port, chroma_timeout_s=1.0)
    out = piped(engine, settings, Q1, "/help")
    assert "error:" in out and f"127.0.0.1:{port}" in out
    assert "Traceback" not in out
    assert "/ingest PATH|URL" in out  # still running after the error


def test_interactive_prompt(seeded_engine: Engine, settings: Settings) -> None:
    con = console()
    with create_pipe_input() as inp:
        assert inp.fileno() < 1024, FD_LEAK
        inp.send_text(f"{Q1}\r/k 4\r/nope\r")
        inp.send_text("half a question\x03")  # Ctrl-C at the prompt drops the line
        inp.send_text("/quit\r")
        run_repl(seeded_engine, settings, output=con, prompt_input=inp,
                 prompt_output=DummyOutput())
    out = text_of(con)
    assert "/help for commands" in out  # the banner
    assert "390" in out and "│" in out  # rendered block quote
    assert "k = 4" in out and "Unknown command /nope." in out
    assert "half a question" not in out
    assert out.rstrip().endswith("bye")
    history = settings.data_dir / "repl_history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700
    assert Q1 in history.read_text(encoding="utf-8")


def test_interactive_ctrl_d_exits(seeded_engine: Engine, settings: Settings) -> None:
    con = console()
    with create_pipe_input() as inp:
        inp.send_text("\x04")
        run_repl(seeded_engine, settings, output=con, prompt_input=inp,
                 prompt_output=DummyOutput())
    assert text_of(con).rstrip().endswith("bye")


def test_ctrl_c_abandons_a_running_call() -> None:
    """Ctrl-C lands in the waiting main thread at once; the worker's late result is dropped."""
    finished = threading.Event()

    def slow() -> str:
        time.sleep(1.0)
        finished.set()
        return "late"

    threading.Timer(0.1, _thread.interrupt_main).start()
    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        call_in_worker(slow)
    assert time.perf_counter() - t0 < 0.8 and not finished.is_set()
    assert call_in_worker(lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        call_in_worker(lambda: 1 // 0)


def test_piped_subprocess_builds_index_and_answers(tmp_path: Path, embedder: Any) -> None:
    """``printf 'q1\\nq2\\n' | newsqa repl`` on a first run: seeds the index, answers both."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    share_graphs(tmp_path / "data" / "models", embedder)  # reuse the session's ONNX graphs
    env = {
        **os.environ,
        "NEWSQA_DATA_DIR": str(tmp_path / "data"),
        "NEWSQA_SEEDS_DIR": str(seeds),
        "NEWSQA_LLM": "none",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "repl"],
        input=f"{Q1}\n{Q_TALKS}\n",
        capture_output=True, text=True, cwd=REPO, env=env, timeout=180, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "390" in proc.stdout and "Istanbul" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_latest_command_gives_a_briefing(seeded_engine: Engine, settings: Settings) -> None:
    out = piped(seeded_engine, settings, "/help", "/latest prisoner exchange", "/latest")
    assert "/latest [TOPIC]" in out
    # the seeds are undated: nothing is called "latest"
    assert "On prisoner exchange (undated, " in out and "Latest" not in out
    assert "Indexed articles (undated, " in out and "Other reports (undated):" in out
