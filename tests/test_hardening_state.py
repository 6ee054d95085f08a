"""The Telegram bot at scale and under a hostile state file or Bot API (issue 23, items
18-20): idle chats expire and saves leave the event loop, hostile JSON is moved aside, and a
Bot API that fails at start gives one line. The real PTB ``Application`` over HTTP against
the Bot API imitation, real Chroma, the real ``newsqa telegram`` process."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_bot_api import FakeBotAPI
from fakes import share_graphs
from test_telegram import REPO, SEEDS, TOKEN, Q, make_settings, running

from bot.telegram import state as state_module
from bot.telegram.state import STATE_FILE, ChatState, JsonPersistence, Shown
from index.config import IndexConfig
from index.engine import Engine
from index.types import Answer, Citation, Turn

DAY = 86400.0


@pytest.fixture
def bot_api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


def _chat(question: str, seen: float | None = None) -> dict[str, Any]:
    """One chat's entry in the state file, written by hand (``seen`` as the new code keeps it)."""
    entry: dict[str, Any] = {
        "history": [{"question": question, "resolved": question, "answer": "a",
                     "article_ids": [], "titles": []}],
        "shown": {},
    }
    if seen is not None:
        entry["seen"] = seen
    return entry


def _saved_chats(data_dir: Path) -> dict[str, Any]:
    return dict(json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))["chat_data"])


# -- item 18: idle chats expire; saves leave the event loop and skip unchanged chats ----------


async def test_idle_chats_are_forgotten_at_start(
    bot_api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path
) -> None:
    """A chat idle for longer than NEWSQA_TELEGRAM_CHAT_TTL is not loaded and leaves the file;
    a recent one and one from a file without ``seen`` (an older version's) are kept."""
    data_dir = tmp_path / "state"
    data_dir.mkdir()
    now = time.time()
    doc = {"version": 1, "chat_data": {
        "11": _chat("old question", now - 30 * DAY), "12": _chat("recent", now - 3600),
        "13": _chat("from an older version"),
    }}
    (data_dir / STATE_FILE).write_text(json.dumps(doc), encoding="utf-8")
    settings = make_settings(bot_api, data_dir, telegram_chat_ttl="7d")
    async with running(settings, seeded_engine) as app:
        assert 11 not in app.chat_data and {12, 13} <= set(app.chat_data)
        bot_api.message(14, Q)
        bot_api.message(12, Q)
        await bot_api.wait_sent(14)
        await bot_api.wait_sent(12)
    saved = _saved_chats(data_dir)
    assert sorted(saved) == ["12", "13", "14"]
    # a loaded chat's new turn is saved too (PTB got copies, not the persistence's objects)
    assert [t["question"] for t in saved["12"]["history"]] == ["recent", Q]


async def test_a_chat_idle_past_the_ttl_is_forgotten_while_running(
    bot_api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path
) -> None:
    data_dir = tmp_path / "state"
    async with running(make_settings(bot_api, data_dir, telegram_chat_ttl="1s"),
                       seeded_engine) as app:
        bot_api.message(21, Q)
        await bot_api.wait_sent(21)
        # PTB hands the chat to the persistence within its 10 s round; it expires 1 s later
        await bot_api.wait_for(lambda: 21 not in app.chat_data, timeout=40, what="expiry")
    assert "21" not in _saved_chats(data_dir)


def _busy_chat(i: int) -> ChatState:
    """A chat with a full history and ten answers behind buttons, as a busy chat has."""
    quote = f"Chat {i} was told that the exchange went ahead as planned on Friday."
    state = ChatState(history=[Turn(f"q{i}-{t}", f"q{i}-{t}", quote, (f"a{t}",))
                               for t in range(6)])
    for n in range(10):
        cites = [Citation(c, quote, f"a{c}", f"c{c}", f"Article {c}", "CNN", "2025-05-23",
                          f"https://example.com/{c}", None) for c in range(1, 4)]
        state.shown[f"k{n}"] = Shown(Answer(f"q{n}", f"{quote} [1][2][3]", False,
                                            citations=cites), [1000 + n])
    return state


async def test_saves_leave_the_event_loop_and_reserialize_only_changed_chats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2,000 busy chats (before: every save serialized them all on the event loop, ~3 s)."""
    path = tmp_path / STATE_FILE
    persistence = JsonPersistence(path)
    await persistence.get_chat_data()
    for i in range(2000):
        await persistence.update_chat_data(i, _busy_chat(i))

    stalls: list[float] = []

    async def ticker() -> None:
        while True:
            t0 = time.monotonic()
            await asyncio.sleep(0.01)
            stalls.append(time.monotonic() - t0 - 0.01)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    await persistence.saved()
    tick.cancel()
    assert max(stalls) < 1.0, max(stalls)  # generous: the save itself no longer blocks

    serialized: list[int] = []
    renamed_on: list[str] = []
    real_to_data, real_replace = ChatState.to_data, os.replace

    def to_data(self: ChatState) -> dict[str, Any]:
        serialized.append(1)
        return real_to_data(self)

    def replace(src: Any, dst: Any) -> None:
        if str(dst).endswith(STATE_FILE):
            renamed_on.append(threading.current_thread().name)
        real_replace(src, dst)

    monkeypatch.setattr(ChatState, "to_data", to_data)
    monkeypatch.setattr(os, "replace", replace)
    changed = _busy_chat(7)
    changed.history = changed.history[:1]
    await persistence.update_chat_data(7, changed)
    await asyncio.sleep(0.01)
    await persistence.saved()
    assert len(serialized) == 1  # only chat 7
    assert renamed_on and threading.main_thread().name not in renamed_on

    reloaded = await JsonPersistence(path).get_chat_data()
    assert len(reloaded) == 2000
    assert reloaded[7].history == changed.history and reloaded[8] == _busy_chat(8)


# -- item 19: hostile state files are in test_hardening_bot (bad state files)


def test_state_bounds_keep_what_the_bot_itself_writes(tmp_path: Path) -> None:
    """Every field of a real chat round-trips through the checks (no false alarm)."""
    state = _busy_chat(1)
    doc = json.dumps(state_module.dump_state({1: state})).encode()
    assert state_module.parse_state(doc)[1] == state

# -- item 20: a Bot API that fails at start -----------------------------------------------------


@pytest.fixture(scope="module")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Path:
    root = tmp_path_factory.mktemp("seeded-bot")
    shutil.copytree(SEEDS, root / "seeds")
    Engine(IndexConfig(data_dir=root / "data"), embedder=embedder).ingest([str(root / "seeds")])
    share_graphs(root / "data" / "models", embedder)
    return root


def _json(code: int, description: str) -> tuple[int, bytes, str]:
    body = f'{{"ok": false, "error_code": {code}, "description": "{description}"}}'
    return code, body.encode(), "application/json"


@pytest.mark.slow
@pytest.mark.parametrize(("reply", "said"), [
    (_json(401, "Unauthorized"), "rejected TELEGRAM_BOT_TOKEN"),
    (_json(404, "Not Found"), "rejected TELEGRAM_BOT_TOKEN"),
    (_json(500, "Internal Server Error"), "cannot reach the Telegram Bot API: Internal Server"),
    ((200, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
     "not a Bot API reply (Invalid server response)"),
    ((200, b'{"ok": false}', "application/json"), "not a Bot API reply (getMe: no usable"),
], ids=["401", "404", "500", "html", "not-ok"])
def test_a_bot_api_failing_at_start_gives_one_line(
    seeded_dir: Path, tmp_path: Path, reply: tuple[int, bytes, str], said: str
) -> None:
    """Before: the right last line, after a 36-99-line PTB traceback."""
    data_dir = tmp_path / "data"
    shutil.copytree(seeded_dir / "data", data_dir, symlinks=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSQA_", "TELEGRAM_"))}
    with FakeBotAPI() as fake:
        fake.raw["getMe"] = reply
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url,
            NEWSQA_DATA_DIR=str(data_dir), NEWSQA_SEEDS_DIR=str(seeded_dir / "seeds"),
            TELEGRAM_ALLOWED_USERS="42", PYTHONPATH=str(REPO),
        )
        done = subprocess.run(
            [sys.executable, "-m", "bot", "telegram"], cwd=REPO, env=env,
            capture_output=True, text=True, timeout=120,
        )
    output = (done.stdout + done.stderr).strip()
    assert done.returncode != 0, output
    assert "Traceback" not in output and TOKEN not in output
    [line] = output.splitlines()
    assert line.startswith("error: ") and said in line, line
