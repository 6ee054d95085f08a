"""The Telegram bot and the CLI under faults and abuse (issue 13, items 4-9 and 11): bad and
crafted state files, answers that would flood a chat, the token in lower-cased error text,
questions in logs, forged summary lines, bidi overrides. The real PTB ``Application`` over
HTTP against the Bot API imitation, real Chroma, the real CLI."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pickle
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_bot_api import FakeBotAPI
from telegram.ext import ContextTypes, PicklePersistence
from test_telegram import Q, make_settings, running
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.telegram.log import TokenFilter
from bot.telegram.migrate import LEGACY_PICKLE
from bot.telegram.render import (
    MAX_ANSWER_MESSAGES,
    MAX_FULL_MESSAGES,
    render_answer,
    render_ingest,
)
from bot.telegram.state import STATE_FILE, ChatState, Shown
from index.engine import Engine
from index.types import Answer, Citation, IngestReport, Turn

REAL_LOOKING_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.fixture
def bot_api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


def _answered(api: FakeBotAPI, chat: int) -> str:
    return "\n".join(str(m["text"]) for m in api.sent(chat))


# -- item 4: a corrupt, truncated or empty state file ------------------------------------------


@pytest.mark.parametrize("content", [
    b"", b"   \n", b'{"version": 1, "chat_data": {"7": {"history": [{"question": "q"',
    b"\x80\x04\x95garbage", b"[1, 2, 3]", b'{"version": 99}',
    b'{"version": 1, "chat_data": {"seven": {}}}',
    b'{"version": 1, "chat_data": {"7": {"history": [{"question": 1}]}}}',
    # hostile (issue 19): before, RecursionError or OverflowError at start (a crash loop), or
    # wrong types kept
    b'{"version": 1, "chat_data": {"7": {"history": ' + b"[" * 100_000 + b"]" * 100_000
    + b"}}}",
    b'{"version": 1, "chat_data": {"7": {"shown": {"k": {"answer": {"question": "q", '
    b'"answer": "a", "refused": false}, "message_ids": [1e400]}}}}}',
    b'{"version": 1, "chat_data": {"7": {"history": [{"question": ["q"], '
    b'"resolved": {"q": [1]}, "answer": 5, "article_ids": [[["x"]]]}]}}}',
    b'{"version": 1, "chat_data": {"7": {"shown": {"k": {"answer": {"question": "q", '
    b'"answer": "a", "refused": false, "citations": [{"n": true, "quote": "q", '
    b'"article_id": "a", "chunk_id": "c", "title": "t", "source": null, "published": null, '
    b'"url": null, "path": null, "start": 1e400}]}}}}}}',
    b'{"version": 1, "chat_data": {"123456789012345678901234567890": {}}}',
], ids=["empty", "blank", "truncated", "binary", "list", "version", "bad-id", "bad-turn",
        "deep", "inf-message-id", "turn-types", "citation-types", "huge-chat-id"])
async def test_bad_state_file_is_moved_aside_and_the_bot_starts(
    bot_api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path, content: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data_dir = tmp_path / "state"
    data_dir.mkdir()
    (data_dir / STATE_FILE).write_bytes(content)
    caplog.set_level(logging.WARNING)
    async with running(make_settings(bot_api, data_dir), seeded_engine):
        bot_api.message(401, Q)
        [reply] = await bot_api.wait_sent(401)
    assert "390" in reply["text"]
    [aside] = [p for p in data_dir.iterdir() if p.name.startswith(f"{STATE_FILE}.bad-")]
    assert aside.read_bytes() == content  # kept for a post-mortem, not deleted
    [warning] = [r.getMessage() for r in caplog.records
                 if r.levelno == logging.WARNING and "unreadable" in r.getMessage()]
    assert str(aside) in warning and "\n" not in warning and len(warning) < 600  # one line
    saved = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    assert [t["question"] for t in saved["chat_data"]["401"]["history"]] == [Q]


async def test_state_is_fsynced_before_the_rename(
    bot_api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spies (does not replace) os.fsync and os.replace: the file's data reaches the disk
    before it takes the state file's name, and the directory entry after."""
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file")
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        if str(dst).endswith(STATE_FILE):
            events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    data_dir = tmp_path / "state"
    async with running(make_settings(bot_api, data_dir), seeded_engine):
        bot_api.message(402, Q)
        await bot_api.wait_sent(402)
    writes = "".join(f"{e} " for e in events if e in ("fsync-file", "rename", "fsync-dir"))
    assert re.search(r"fsync-file rename fsync-dir", writes), events
    assert stat.S_IMODE((data_dir / STATE_FILE).stat().st_mode) == 0o600


# -- item 5: state is data, never pickle ---------------------------------------------------------


class _Exploit:
    """Unpickling this creates a file: proof that loading ran code the file chose."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


async def test_crafted_pickle_never_runs(
    bot_api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    data_dir = tmp_path / "state"
    data_dir.mkdir()
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"chat_data": _Exploit(marker), "user_data": {}, "bot_data": {},
                            "conversations": {}, "callback_data": None})
    for name in (LEGACY_PICKLE, STATE_FILE):  # the old name, and ours
        (data_dir / name).write_bytes(payload)
    caplog.set_level(logging.WARNING)
    async with running(make_settings(bot_api, data_dir), seeded_engine):
        bot_api.message(403, Q)
        [reply] = await bot_api.wait_sent(403)
    assert "390" in reply["text"]
    assert not marker.exists()
    assert "newsqa migrate-telegram-state" in caplog.text and LEGACY_PICKLE in caplog.text

    # Even the explicit migration refuses it, before calling anything.
    monkeypatch.setenv("NEWSQA_DATA_DIR", str(data_dir))
    (data_dir / STATE_FILE).unlink()  # the bot's new JSON state: migration never overwrites it
    result = CliRunner().invoke(cli_app, ["migrate-telegram-state"])
    assert result.exit_code == 1
    assert "refers to io.open" in result.output and "refusing" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not marker.exists()


async def test_old_pickle_state_migrates_once_on_command(
    bot_api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "state"
    data_dir.mkdir()
    old = PicklePersistence(data_dir / LEGACY_PICKLE,
                            context_types=ContextTypes(chat_data=ChatState))
    await old.get_chat_data()
    answer = Answer("q", "390 came home [1]", False, citations=[Citation(
        1, "390 Ukrainians returned home on Friday.", "a1", "c1", "T", "CNN", None, None, None,
        3, 42)])
    await old.update_chat_data(404, ChatState(
        history=[Turn(Q, Q, "390 [1]", ("a1",))], shown={"k1": Shown(answer, [1001])}))
    await old.flush()

    monkeypatch.setenv("NEWSQA_DATA_DIR", str(data_dir))
    result = CliRunner().invoke(cli_app, ["migrate-telegram-state"])
    assert result.exit_code == 0, result.output
    assert "migrated the state of 1 chat" in result.output
    assert not (data_dir / LEGACY_PICKLE).exists()
    assert (data_dir / f"{LEGACY_PICKLE}.migrated").exists()
    again = CliRunner().invoke(cli_app, ["migrate-telegram-state"])
    assert again.exit_code == 1 and "no old state file" in again.output

    async with running(make_settings(bot_api, data_dir), seeded_engine) as application:
        state = application.chat_data[404]
        assert state.history == [Turn(Q, Q, "390 [1]", ("a1",))]
        assert state.shown["k1"].answer == answer and state.shown["k1"].message_ids == [1001]


# -- item 6: one answer never floods a chat --------------------------------------------------------


def _flood_answer(n: int = 40) -> Answer:
    quote = "Officials said that " + "the exchange went ahead as planned, " * 16 + "they said."
    cites = [Citation(i, f"{i}: {quote}", f"a{i}", f"c{i}", f"Article {i}", "CNN",
                      "2025-05-23", f"https://example.com/{i}", None) for i in range(1, n + 1)]
    return Answer("q", " ".join(f"Point {i} [{i}]." for i in range(1, n + 1)), False,
                  citations=cites)


def test_render_caps_an_answer_and_its_full_sources() -> None:
    answer = _flood_answer()
    parts = render_answer(answer)
    assert len(parts) == MAX_ANSWER_MESSAGES
    tail = re.search(r"…and (\d+) more sources: tap “Show full sources”", parts[-1])
    assert tail is not None
    shown = sum(len(re.findall(r"<b>\[\d+\]</b>", p)) for p in parts)
    assert shown + int(tail.group(1)) == len(answer.citations)
    full = render_answer(answer, full=True)
    assert len(full) == MAX_FULL_MESSAGES
    more = re.search(r"…and (\d+) more sources</i>$", full[-1])
    assert more is not None
    assert sum(len(re.findall(r"<b>\[\d+\]</b>", p)) for p in full) + int(more.group(1)) == 40


class FloodingEngine(Engine):
    """The real engine, except that its answer cites 40 long sentences (what a corpus of
    long, similar articles can produce); the bot and its rendering are what is tested."""

    def answer(self, *args: Any, **kwargs: Any) -> Answer:
        return _flood_answer()


async def test_bot_sends_at_most_three_messages_per_answer(
    bot_api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path
) -> None:
    engine = FloodingEngine(seeded_engine.cfg, embedder=seeded_engine.embedder)
    async with running(make_settings(bot_api, tmp_path / "state"), engine):
        bot_api.message(406, Q)
        sent = await bot_api.wait_sent(406, MAX_ANSWER_MESSAGES)
        await asyncio.sleep(0.5)  # anything beyond the cap would have been sent by now
        assert len(bot_api.sent(406)) == MAX_ANSWER_MESSAGES
        button = sent[-1]["reply_markup"]["inline_keyboard"][0][0]
        bot_api.callback(406, button["callback_data"],
                         bot_api.calls_to("sendMessage", 406)[-1].result)
        await bot_api.wait_sent(406, MAX_ANSWER_MESSAGES + MAX_FULL_MESSAGES)
        await asyncio.sleep(0.5)
        later = bot_api.sent(406)[MAX_ANSWER_MESSAGES:]
    assert len(later) == MAX_FULL_MESSAGES
    assert "more sources" in later[-1]["text"]


# -- item 7: the token in lower-cased error text -----------------------------------------------


def test_token_filter_is_case_insensitive_and_catches_halves() -> None:
    bot_id, secret = REAL_LOOKING_TOKEN.split(":")
    f = TokenFilter([REAL_LOOKING_TOKEN])
    for leak in (
        f"/bot{REAL_LOOKING_TOKEN}/sendMessage".lower(),
        f"/bot{bot_id}%3A{secret}/getMe",
        f"bot{bot_id} and later {secret.upper()}",
        f"id={bot_id}",
    ):
        out = f.redact(leak)
        assert bot_id not in out and secret.lower() not in out.lower(), out
        assert "<redacted>" in out
    harmless = "chat 1234567890, 12345678, message 9"
    assert f.redact(harmless) == harmless


async def test_lowercased_token_in_a_telegram_error_is_redacted(
    bot_api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bot_id, secret = REAL_LOOKING_TOKEN.split(":")
    caplog.set_level(logging.DEBUG)
    bot_api.errors["sendMessage"] = "Bad Request: chat not found ({path})"
    settings = make_settings(bot_api, tmp_path / "state", telegram_bot_token=REAL_LOOKING_TOKEN)
    async with running(settings, seeded_engine):
        bot_api.message(407, Q)
        await bot_api.wait_for(lambda: len(bot_api.calls_to("sendMessage", 407)) >= 2,
                               what="the answer and the apology, both refused")
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "chat not found" in text.lower()  # PTB did log the (capitalised) description
    assert "<redacted>" in text
    assert secret.lower() not in text.lower()
    assert not re.search(rf"(?<!\d){bot_id}(?!\d)", text)


# -- item 8: questions are not logged at INFO ------------------------------------------------


async def test_questions_logged_as_length_at_info_and_text_at_debug(
    bot_api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    question = "How many Ukrainians returned home on Friday, asks my private diary?"
    caplog.set_level(logging.DEBUG)
    async with running(make_settings(bot_api, tmp_path / "state"), seeded_engine):
        bot_api.message(408, question)
        await bot_api.wait_sent(408)
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert not any("private diary" in m for m in info), info
    assert any("chat 408" in m and f"question of {len(question)} characters" in m for m in info)
    assert any("private diary" in m and "408" in m for m in debug)


# -- item 9: names in summaries cannot forge lines ------------------------------------------------


FORGED = "x\nadded 99, updated 0, unchanged 0, removed 0, skipped 0\n\x1b[2K\u202e.pdf"


def test_cli_summary_escapes_file_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    evil = folder / FORGED
    evil.write_bytes(b"%PDF")
    monkeypatch.setenv("NEWSQA_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(cli_app, ["ingest", str(evil)])
    lines = result.output.splitlines()
    assert [ln for ln in lines if ln.startswith("added ")] == [
        "added 0, updated 0, unchanged 0, removed 0, skipped 1"]
    [skipped] = [ln for ln in lines if ln.startswith("skipped ")]
    assert "x\\nadded 99" in skipped and "\\x1b[2K\\u202e.pdf" in skipped
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert len(lines) == 2


def test_telegram_summary_escapes_file_names() -> None:
    report = IngestReport(skipped=[(f"/up/{FORGED}", "unsupported file type .pdf")])
    [part] = render_ingest(report)
    assert part.count("\n") == 1  # the summary line, then one skipped line
    assert "x\\nadded 99" in part and "\\u202e.pdf" in part


# -- item 11: bidi controls never reach Telegram --------------------------------------------------


def test_rendering_strips_bidi_controls() -> None:
    quote = f"390 Ukrainians{BIDI} returned home on Friday."
    answer = Answer(f"q{BIDI}", f"390 [1]{BIDI}", False, citations=[Citation(
        1, quote, "a", "c", f"Title{BIDI}", f"CNN{BIDI}", None, None, None)],
        notice=f"note{BIDI}")
    for full in (False, True):
        for part in render_answer(answer, full=full):
            assert not set(part) & set(BIDI), part


async def test_bot_strips_bidi_controls_from_articles(
    bot_api: FakeBotAPI, make_engine: Any, tmp_path: Path
) -> None:
    article = tmp_path / "rlo.txt"
    article.write_text(
        "Prisoners come home\nSource: CNN\n\n"
        "Officials confirmed that 390 Ukrainians returned home on Friday \u202egnol yreV.\n",
        encoding="utf-8")
    engine = make_engine()
    engine.ingest([str(article)])
    async with running(make_settings(bot_api, tmp_path / "state"), engine):
        bot_api.message(411, Q)
        [reply] = await bot_api.wait_sent(411)
        bot_api.callback(411, reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
                         bot_api.calls_to("sendMessage", 411)[0].result)
        await bot_api.wait_for(lambda: bot_api.calls_to("editMessageText", 411), what="edit")
    texts = [str(c.params.get("text", "")) for c in bot_api.calls
             if c.method in ("sendMessage", "editMessageText")]
    assert any("gnol yreV" in t for t in texts)  # the article text did reach the chat…
    assert not any(set(t) & set(BIDI) for t in texts)  # …without its override
    assert _answered(bot_api, 411)
