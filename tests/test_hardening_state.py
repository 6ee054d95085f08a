"""The Telegram bot at scale and under a hostile state file or Bot API (issue 23, items
18-20): idle chats expire and saves leave the event loop, hostile JSON is moved aside, and a
Bot API that fails at start gives one line. The real PTB ``Application`` over HTTP against
the Bot API imitation, real Chroma, the real ``newsqa telegram`` process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fake_bot_api import FakeBotAPI
from fakes import share_graphs
from test_telegram import REPO, SEEDS, TOKEN

from index.config import IndexConfig
from index.engine import Engine

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
