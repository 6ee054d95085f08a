"""Load bench for the Telegram bot: N chats ask at once; how long until all are answered?

Runs the real ``Application`` against the Bot API imitation from the tests, over a freshly
seeded index in a temp dir, and prints one JSON line: ``{chats, total_s, p50_ms, p95_ms, ...}``.
Latency per chat = from the update being queued to the bot's sendMessage arriving.

    python bench/telegram_load.py [--chats 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fake_bot_api import FakeBotAPI  # noqa: E402

from bot.settings import Settings  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from index.engine import Engine  # noqa: E402

QUESTION = "How many Ukrainians returned home on Friday?"


async def run(chats: int, data_dir: Path, engine: Engine) -> dict[str, object]:
    with FakeBotAPI() as api:
        values: dict[str, Any] = {
            "_env_file": None,
            "telegram_bot_token": "123456:TEST",
            "telegram_base_url": api.base_url,
            "telegram_allowed_users": "",
            "telegram_rate_limit": 0,
            "data_dir": data_dir,
        }
        settings = Settings(**values)
        app = build_application(settings, engine)
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            api.message(1, QUESTION)  # warm-up: first-question costs are not what we measure
            await api.wait_sent(1, timeout=120)
            ids = list(range(10_000, 10_000 + chats))
            queued: dict[int, float] = {}
            start = time.monotonic()
            for chat in ids:
                queued[chat] = time.monotonic()
                api.message(chat, QUESTION)
            await api.wait_for(lambda: all(api.sent(c) for c in ids), timeout=600,
                               what="all chats answered")
            total = time.monotonic() - start
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
        answered = {c.params["chat_id"]: c.at for c in api.calls_to("sendMessage")}
        lat = sorted((answered[c] - queued[c]) * 1000 for c in ids)
        ok = sum("390" in api.sent(c)[0]["text"] for c in ids)
    return {
        "chats": chats,
        "answered_with_390": ok,
        "total_s": round(total, 3),
        "p50_ms": round(statistics.median(lat), 1),
        "p95_ms": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1),
        "max_ms": round(lat[-1], 1),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="newsqa-tgbench-") as tmp:
        root = Path(tmp)
        shutil.copytree(REPO / "seeds", root / "seeds")
        values: dict[str, Any] = {"_env_file": None, "data_dir": root / "data"}
        settings = Settings(**values)
        engine = Engine(settings.index_config())
        engine.ingest([str(root / "seeds")])
        print(json.dumps(asyncio.run(run(args.chats, root / "data", engine))))


if __name__ == "__main__":
    main()
