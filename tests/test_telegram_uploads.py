"""Issue 23, item 21: admin uploads whose names sanitise to the same file are two articles.
The real PTB application over real HTTP against the Bot API imitation, a real index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fake_bot_api import FakeBotAPI  # tests/ is on sys.path
from test_telegram import make_settings, running

from index.engine import Engine


def article(title: str, fact: str) -> bytes:
    return (f"{title}\nRiverside Gazette – 2025-06-03\n\n{fact}\n\n"
            "Officials said the work would begin in the autumn.\n").encode()


async def test_uploads_whose_names_sanitise_alike_are_both_kept(
    api: FakeBotAPI, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    engine = make_engine("data")
    settings = make_settings(api, data_dir, telegram_admins="77")
    first = article("Council expands cycling network",
                    "The Riverside council approved 42 new bicycle lanes on Tuesday.")
    second = article("Library extends opening hours",
                     "The Garnet Street library will open until 9 pm from Monday.")
    async with running(settings, engine):
        api.message(77, document=api.add_file("f1", "report 1.txt", first))
        assert "added 1" in (await api.wait_sent(77))[0]["text"]
        api.message(77, document=api.add_file("f2", "report_1.txt", second))
        assert "added 1" in (await api.wait_sent(77, 2))[1]["text"]
        api.message(77, document=api.add_file("f3", "report 1.txt", first))  # the same again
        assert "unchanged 1" in (await api.wait_sent(77, 3))[2]["text"]
    stored = sorted((data_dir / "uploads").glob("*.txt"))
    assert sorted(p.read_bytes() for p in stored) == sorted([first, second])
    assert {a.title for a in engine.sources()} == {"Council expands cycling network",
                                                   "Library extends opening hours"}
