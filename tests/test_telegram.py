"""End to end: the real PTB ``Application`` over real HTTP against a Bot API imitation, answering
from a real index. Asserts on what the bot sent."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from fake_bot_api import BOT_USERNAME, FakeBotAPI, parse_telegram_html  # tests/ is on sys.path

from bot.settings import Settings
from bot.telegram import state as state_module
from bot.telegram.access import RateLimiter, UserSet, check_token
from bot.telegram.app import build_application
from bot.telegram.base import APOLOGY, DENIED, NOT_ADMIN, UNAVAILABLE, App
from bot.telegram.handlers import _safe_name
from bot.telegram.state import STATE_FILE, ChatState, JsonPersistence
from index.config import IndexConfig
from index.engine import Engine
from index.types import Answer, Turn

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
TOKEN = "123456:TEST"
Q = "How many Ukrainians returned home on Friday?"


def make_settings(api: FakeBotAPI, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_base_url": api.base_url,
        "telegram_allowed_users": "",
        "telegram_admins": "",
        "telegram_webhook_url": None,
        "telegram_rate_limit": 100,
        "telegram_max_upload_mb": 1.0,
        "data_dir": data_dir,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running(settings: Settings, engine: Engine) -> AsyncIterator[App]:
    """Initialise, start and poll like ``run_polling`` does, then shut down cleanly."""
    app = build_application(settings, engine)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m["text"]) for m in messages]


async def settle(api: FakeBotAPI, s: float = 0.3) -> None:
    """Give ignored updates time to be (not) answered."""
    await asyncio.sleep(s)


# ----------------------------------------------------------------------------------------------
# Units: token, user lists, rate limit, file names


def test_token_missing_or_malformed(tmp_path: Path) -> None:
    with FakeBotAPI() as fake:
        with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN is not set"):
            check_token(make_settings(fake, tmp_path, telegram_bot_token=None))
        with pytest.raises(ValueError, match="does not look like a bot token") as info:
            check_token(make_settings(fake, tmp_path, telegram_bot_token="not a token"))
        assert "not a token" not in str(info.value)
        assert check_token(make_settings(fake, tmp_path)) == TOKEN


def test_user_lists_and_rate_limiter() -> None:
    users = UserSet.parse("42, @Alice bob_99")
    assert users.ids == {42} and users.names == {"alice", "bob_99"}
    with pytest.raises(ValueError, match="TELEGRAM_ADMINS"):
        UserSet.parse("42, a b!", what="admins")
    limiter = RateLimiter(2)
    assert limiter.hit(1, now=0.0) == 0 and limiter.hit(1, now=1.0) == 0
    assert limiter.hit(1, now=2.0) == pytest.approx(58.0)
    assert limiter.hit(2, now=2.0) == 0  # per user
    assert limiter.hit(1, now=60.5) == 0  # the first hit left the window
    assert RateLimiter(0).hit(1) == 0
    assert _safe_name("../../etc/passwd") == "passwd.txt"
    assert _safe_name("My Article (1).MD") == "My_Article_1_.MD"


# ----------------------------------------------------------------------------------------------
# Questions


async def test_private_question_reply_quote_and_full_sources(
    api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path
) -> None:
    async with running(make_settings(api, tmp_path), seeded_engine):
        question = api.message(101, Q)
        [reply] = await api.wait_sent(101)
        assert "390" in reply["text"]
        assert "<blockquote" in reply["text"]
        assert reply["parse_mode"] == "HTML"
        assert reply["reply_parameters"]["message_id"] == question["message_id"]
        assert api.calls_to("sendChatAction", 101)[0].params["action"] == "typing"
        commands = api.calls_to("setMyCommands")[0].params["commands"]
        assert {"ask", "sources", "reset", "help"} <= {c["command"] for c in commands}

        # The inline button expands the answer in place (one message: editMessageText).
        [[button]] = reply["reply_markup"]["inline_keyboard"]
        assert button["text"] == "Show full sources"
        assert len(button["callback_data"].encode()) <= 64
        sent_msg = api.calls_to("sendMessage", 101)[0].result
        api.callback(101, button["callback_data"], sent_msg)
        [edit] = await api.wait_for(lambda: [c.params for c in api.calls_to("editMessageText")],
                                    what="editMessageText")
        assert "390" in edit["text"] and "000_2dffcf02efa1d4ff.txt" in edit["text"]
        assert edit["message_id"] == sent_msg["message_id"]
        assert api.calls_to("answerCallbackQuery")

        # An unknown / expired button answers the query politely.
        api.callback(101, "src:deadbeef", sent_msg)
        await api.wait_for(lambda: len(api.calls_to("answerCallbackQuery")) >= 2,
                           what="second answerCallbackQuery")
        assert "no longer available" in api.calls_to("answerCallbackQuery")[1].params["text"]


async def test_group_members_keep_their_own_threads(
    api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path
) -> None:
    """Two members interleave questions in one group: a member's follow-up continues their
    own thread, not the other's newer topic; a reply to the bot's answer continues that
    answer's thread whoever replies; /reset forgets every thread; the threads persist."""
    group = -600
    ask = f"@{BOT_USERNAME} "
    async with running(make_settings(api, tmp_path), seeded_engine) as app:
        api.message(group, ask + Q, user_id=7, chat_type="supergroup")
        await api.wait_sent(group, 1)
        api.message(group, ask + "Where were the talks held?", user_id=8, chat_type="supergroup")
        await api.wait_sent(group, 2)
        api.message(group, ask + "and how many Russians?", user_id=7, chat_type="supergroup")
        await api.wait_sent(group, 3)
        state = app.chat_data[group]
        await api.wait_for(lambda: len(state.threads["u7"]) == 2, what="u7's second turn")
        assert state.threads["u7"][-1].resolved == "How many Russians returned home on Friday?"
        assert [t.question for t in state.threads["u8"]] == ["Where were the talks held?"]

        talks_answer = api.calls_to("sendMessage", group)[1].result
        api.message(group, "Where was that?", user_id=9, chat_type="supergroup",
                    reply_to=talks_answer)
        sent = await api.wait_sent(group, 4)
        assert "Istanbul" in sent[3]["text"]
        await api.wait_for(lambda: len(state.threads["u8"]) == 2, what="u8's second turn")
        assert state.threads["u8"][-1].question == "Where was that?"
        assert "u9" not in state.threads
        assert ChatState.from_data(json.loads(json.dumps(state.to_data()))) == state

        api.message(group, "/reset", user_id=7, chat_type="supergroup")
        await api.wait_sent(group, 5)
        assert state.threads == {} and state.replied == {}  # (cleared before the reply)


async def test_groups_answer_only_when_addressed(
    api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path
) -> None:
    group = -500
    async with running(make_settings(api, tmp_path), seeded_engine):
        api.message(group, Q, user_id=7, chat_type="supergroup")
        await settle(api)
        assert api.sent(group) == []

        asked = api.message(group, f"@{BOT_USERNAME} {Q}", user_id=7, chat_type="supergroup")
        [first] = await api.wait_sent(group, 1)
        assert "390" in first["text"]
        assert first["reply_parameters"]["message_id"] == asked["message_id"]

        api.message(group, f"/ask {Q}", user_id=8, chat_type="supergroup")
        await api.wait_sent(group, 2)
        api.message(group, f"/ask@{BOT_USERNAME} {Q}", user_id=8, chat_type="supergroup")
        await api.wait_sent(group, 3)
        bot_msg = api.calls_to("sendMessage", group)[0].result
        api.message(group, Q, user_id=9, chat_type="supergroup", reply_to=bot_msg)
        sent = await api.wait_sent(group, 4)
        assert all("390" in t for t in texts(sent))

        api.message(group, "/ask", user_id=8, chat_type="supergroup")  # no question: a hint
        sent = await api.wait_sent(group, 5)
        assert "Ask me a question" in sent[4]["text"]
        api.message(group, f"/ask@other_bot {Q}", user_id=8, chat_type="supergroup")
        api.message(group, f"@someone_else {Q}", user_id=8, chat_type="supergroup")
        await settle(api)
        assert len(api.sent(group)) == 5


async def test_allowlist(api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path,
                         caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(api, tmp_path, telegram_allowed_users="@alice, 42")
    async with running(settings, seeded_engine):
        api.message(7, Q, username="mallory")
        [denied] = await api.wait_sent(7)
        assert denied["text"] == DENIED
        api.message(8, Q, username="Alice")
        api.message(42, Q)
        for chat in (8, 42):
            [ok] = await api.wait_sent(chat)
            assert "390" in ok["text"]
        api.message(-9, f"@{BOT_USERNAME} {Q}", user_id=7, chat_type="group")
        await settle(api)
        assert api.sent(-9) == []
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        build_application(make_settings(api, tmp_path), Engine(IndexConfig(data_dir=tmp_path)))
    assert "ANYONE" in caplog.text


async def test_follow_up_sources_and_reset(
    api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path
) -> None:
    async with running(make_settings(api, tmp_path), seeded_engine) as app:
        api.message(102, Q)
        await api.wait_sent(102, 1)
        api.message(102, "and how many Russians?")
        await api.wait_sent(102, 2)
        history = app.chat_data[102].history
        assert [t.question for t in history] == [Q, "and how many Russians?"]
        assert "Russians" in history[1].resolved and history[1].resolved != history[1].question

        api.message(102, "/sources")
        sources = (await api.wait_sent(102, 3))[2]["text"]
        assert "2 indexed articles" in sources
        assert "Ukraine and Russia Conduct Massive Prisoner Swap" in sources

        api.message(102, "/reset")
        reset = (await api.wait_sent(102, 4))[3]["text"]
        assert "forgot" in reset
        assert app.chat_data[102].history == []

        api.message(102, "/help")
        help_text = (await api.wait_sent(102, 5))[4]["text"]
        assert "/sources" in help_text and "/latest" in help_text and "/feeds" in help_text


async def test_latest_briefing_and_a_conflict_said_once(
    api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path
) -> None:
    async with running(make_settings(api, tmp_path), seeded_engine):
        commands = api.calls_to("setMyCommands")
        api.message(105, "/latest prisoner exchange")
        [brief] = await api.wait_sent(105)
        assert brief["text"].startswith("On prisoner exchange (undated, ")  # seeds: undated
        assert "<blockquote" in brief["text"] and "Other reports (undated)" in brief["text"]
        api.message(105, "/latest")
        assert (await api.wait_sent(105, 2))[1]["text"].startswith("Indexed articles (")
        api.message(106, Q)
        [reply] = await api.wait_sent(106)
        assert reply["text"].lower().count("disagree") == 1  # no header repeating the text
        names = {c["command"] for c in commands[0].params["commands"]}
        assert "latest" in names


async def test_hostile_question_and_refusal(
    api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path
) -> None:
    hostile = "<script>alert(1)</script> & <b>unclosed \u202eRTL שלום 🇺🇦\x00 capital of Peru?"
    async with running(make_settings(api, tmp_path), seeded_engine):
        api.message(103, hostile)
        [reply] = await api.wait_sent(103)
        assert reply["text"] != APOLOGY
        assert "<script>" not in reply["text"]
        _, errors = parse_telegram_html(reply["text"])
        assert errors == []
        api.message(103, "x" * 1500)
        assert "too long" in (await api.wait_sent(103, 2))[1]["text"]


async def test_rate_limit(api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path) -> None:
    async with running(make_settings(api, tmp_path, telegram_rate_limit=2), seeded_engine):
        for _ in range(3):
            api.message(104, Q)
        sent = texts(await api.wait_sent(104, 3))
        assert sum("390" in t for t in sent) == 2
        [limited] = [t for t in sent if "390" not in t]
        assert "faster than I can keep up" in limited and "2 questions a minute" in limited


async def test_fifty_concurrent_chats(
    api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path
) -> None:
    chats = range(2000, 2050)
    async with running(make_settings(api, tmp_path), seeded_engine):
        for chat in chats:
            api.message(chat, Q)
        await api.wait_for(lambda: all(api.sent(c) for c in chats), timeout=60,
                           what="an answer in each of 50 chats")
    for chat in chats:
        [reply] = api.sent(chat)
        assert "390" in reply["text"], reply["text"]


# ----------------------------------------------------------------------------------------------
# Admin ingest


async def test_admin_document_ingest_and_refusals(
    api: FakeBotAPI, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    engine = make_engine("data")
    settings = make_settings(api, data_dir, telegram_admins="@editor 77",
                             telegram_max_upload_mb=0.01)
    article = (
        "Riverside Council Expands Cycling Network\n"
        "Riverside Gazette – 2025-06-03\n\n"
        "The Riverside council approved 42 new bicycle lanes on Tuesday after a long debate.\n\n"
        "Officials said construction of the lanes would begin in the autumn.\n"
    ).encode()
    async with running(settings, engine):
        doc = api.add_file("f1", "cycling.txt", article)
        api.message(77, document=doc)
        [summary] = await api.wait_sent(77)
        assert "added 1" in summary["text"], summary["text"]
        assert api.calls_to("getFile")
        uploads = data_dir / "uploads"
        assert (uploads / "cycling.txt").read_bytes() == article
        assert stat.S_IMODE(uploads.stat().st_mode) == 0o700

        api.message(77, "How many new bicycle lanes did the council approve?")
        assert "42" in (await api.wait_sent(77, 2))[1]["text"]

        # Same name again (from the @editor admin): the same article, updated in place.
        api.message(78, document=api.add_file("f2", "cycling.txt", article), username="editor")
        assert "unchanged 1" in (await api.wait_sent(78))[0]["text"]

        api.message(77, document=api.add_file("f3", "big.txt", b"x" * 20_000))
        assert "too large" in (await api.wait_sent(77, 3))[2]["text"]
        api.message(77, document=api.add_file("f4", "paper.pdf", b"%PDF-1.4"))
        assert "I can only add" in (await api.wait_sent(77, 4))[3]["text"]
        api.message(77, "/add not-a-url")
        assert "Usage: /add" in (await api.wait_sent(77, 5))[4]["text"]
        api.message(77, "/add http://127.0.0.1:1/nothing-here")
        reply = (await api.wait_sent(77, 6))[5]["text"]
        assert "skipped 1" in reply

        api.message(5, document=api.add_file("f5", "evil.txt", article))
        assert (await api.wait_sent(5))[0]["text"] == NOT_ADMIN
        api.message(5, "/add https://example.com/a")
        assert (await api.wait_sent(5, 2))[1]["text"] == NOT_ADMIN
    assert len(api.calls_to("getFile")) == 2  # refusals never download


# ----------------------------------------------------------------------------------------------
# Persistence, errors, secrets


async def test_conversation_survives_restart(
    api: FakeBotAPI, seeded_engine: Engine, tmp_path: Path
) -> None:
    data_dir = tmp_path / "state"
    settings = make_settings(api, data_dir)
    async with running(settings, seeded_engine):
        api.message(105, Q)
        first = (await api.wait_sent(105))[0]
    state = data_dir / STATE_FILE
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert not [p for p in data_dir.iterdir() if p.name.startswith(f".{STATE_FILE}")]

    async with running(settings, seeded_engine) as app:
        assert [t.question for t in app.chat_data[105].history] == [Q]
        api.message(105, "and how many Russians?")
        await api.wait_sent(105, 2)
        assert "Russians" in app.chat_data[105].history[1].resolved
        # The first run's button still works after the restart.
        button = first["reply_markup"]["inline_keyboard"][0][0]
        api.callback(105, button["callback_data"], api.calls_to("sendMessage", 105)[0].result)
        await api.wait_for(lambda: api.calls_to("editMessageText", 105), what="edit")


async def test_persistence_writes_once_per_round_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / STATE_FILE
    persistence = JsonPersistence(path)
    await persistence.get_chat_data()
    writes: list[int] = []
    real = state_module.write_chats

    def counted(*args: Any) -> Any:
        writes.append(1)
        return real(*args)

    monkeypatch.setattr(state_module, "write_chats", counted)
    for chat in (1, 2, 3):
        await persistence.update_chat_data(chat, ChatState(history=[Turn("q", "q", "a")]))
    await asyncio.sleep(0.01)
    await persistence.saved()
    assert len(writes) == 1
    await persistence.update_chat_data(2, ChatState(history=[]))
    await asyncio.sleep(0.01)
    await persistence.saved()
    assert len(writes) == 2
    reloaded = JsonPersistence(path)
    saved = await reloaded.get_chat_data()
    assert saved[1].history == [Turn("q", "q", "a")] and 2 not in saved  # empty: no entry
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [STATE_FILE]


class BrokenEngine(Engine):
    """Fails like a bug would, with a secret in the exception text."""

    def answer(self, *args: Any, **kwargs: Any) -> Answer:
        raise RuntimeError(f"boom with {TOKEN} inside")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_errors_apologise_without_secrets(
    api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = make_settings(api, tmp_path)
    async with running(settings, BrokenEngine(IndexConfig(data_dir=tmp_path / "data"))):
        api.message(106, Q)
        [reply] = await api.wait_sent(106)
    assert reply["text"] == APOLOGY
    assert "boom" in caplog.text and "Traceback" in caplog.text
    assert TOKEN not in caplog.text
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert "<redacted>" in caplog.text  # PTB logged the base URL with the token: redacted

    # A Chroma server that is down: the polite message, and the engine reconnects next time.
    down = Engine(IndexConfig(data_dir=tmp_path / "d2", chroma_host="127.0.0.1",
                              chroma_port=_closed_port(), chroma_timeout_s=0.5))
    async with running(settings, down):
        api.message(107, Q)
        [reply] = await api.wait_sent(107, timeout=30)
    assert reply["text"] == UNAVAILABLE
    assert down._store is None


def _spawn_bot(
    tmp_path: Path, embedder: Any, fake: FakeBotAPI, **env_extra: str
) -> tuple[subprocess.Popen[str], Path]:
    """`python -m bot telegram` over a seeded data dir, pointed at the fake Bot API."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    data_dir = tmp_path / "data"
    Engine(IndexConfig(data_dir=data_dir), embedder=embedder).ingest([str(seeds)])
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": fake.base_url,
        "NEWSQA_DATA_DIR": str(data_dir),
        "NEWSQA_SEEDS_DIR": str(seeds),
        "TELEGRAM_ALLOWED_USERS": "",
        "TELEGRAM_ADMINS": "",
        "NEWSQA_TELEGRAM_WEBHOOK_URL": "",
        **env_extra,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "telegram"], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    return proc, data_dir


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Ctrl-C, as a user would; kill only if it hangs."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


def _wait(proc: subprocess.Popen[str], done: Callable[[], object], what: str,
          deadline: float) -> None:
    while not done():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.slow
def test_newsqa_telegram_webhook_process(tmp_path: Path, embedder: Any) -> None:
    """Webhook mode: PTB registers the hook, checks the secret, and answers pushed updates."""
    import httpx

    port = _closed_port()
    hook = f"http://127.0.0.1:{port}/hook"
    with FakeBotAPI() as fake:
        proc, _ = _spawn_bot(
            tmp_path, embedder, fake,
            NEWSQA_TELEGRAM_WEBHOOK_URL=hook,
            NEWSQA_TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
            NEWSQA_TELEGRAM_WEBHOOK_PORT=str(port),
            NEWSQA_TELEGRAM_WEBHOOK_SECRET="s3cret-token",
        )
        try:
            deadline = time.monotonic() + 60
            _wait(proc, lambda: fake.calls_to("setWebhook"),
                  "bot never registered its webhook", deadline)
            [registered] = fake.calls_to("setWebhook")
            assert registered.params["url"] == hook
            assert registered.params["secret_token"] == "s3cret-token"
            update = {"update_id": 1, "message": fake.message(301, Q)}
            while True:  # the listener may come up just after setWebhook
                try:
                    wrong = httpx.post(hook, json=update, timeout=5,
                                       headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline, "webhook listener never came up"
                    time.sleep(0.1)
            assert wrong.status_code == 403
            ok = httpx.post(hook, json=update, timeout=5,
                            headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
            assert ok.status_code == 200
            _wait(proc, lambda: fake.sent(301), "bot never answered", deadline)
            [reply] = fake.sent(301)
            assert "390" in reply["text"]
        finally:
            out, err = _stop(proc)
    assert proc.returncode == 0, err[-3000:]
    assert TOKEN not in out and TOKEN not in err
    assert "Traceback" not in err


# ----------------------------------------------------------------------------------------------
# The done criterion: `newsqa telegram` as a process


@pytest.mark.slow
def test_newsqa_telegram_process(tmp_path: Path, embedder: Any) -> None:
    with FakeBotAPI() as fake:
        proc, data_dir = _spawn_bot(tmp_path, embedder, fake, NEWSQA_LOG_LEVEL="DEBUG")
        try:
            deadline = time.monotonic() + 60
            _wait(proc, lambda: fake.calls_to("getUpdates"), "bot never polled", deadline)
            question = fake.message(201, Q)
            _wait(proc, lambda: fake.sent(201), "bot never answered", deadline)
            [reply] = fake.sent(201)
            assert "390" in reply["text"]
            assert reply["reply_parameters"]["message_id"] == question["message_id"]
        finally:
            out, err = _stop(proc)
        assert all(c.token == TOKEN for c in fake.calls)  # the token did reach the API…
    assert proc.returncode == 0, err[-3000:]
    assert TOKEN not in out and TOKEN not in err  # …and nowhere else
    assert "telegram" in err  # DEBUG logging was on, so the check above means something
    assert "Traceback" not in err
    assert (data_dir / STATE_FILE).exists()
