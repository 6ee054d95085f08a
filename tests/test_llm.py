"""The optional LLM: real LlamaIndex integrations against a scripted server on loopback.

The server (``tests/fake_llm_server.py``) imitates the external service only; retrieval, the
offline composer and the rendering of the model's choice are the real ones over the seeded
Chroma index. The model may only choose numbered sentences and a lead copied from one of
them; newsqa writes the answer (hostile replies: ``tests/test_llm_hostile.py``).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_llm_server import FakeLLMServer  # tests/ is on sys.path (no __init__.py)

from index.config import IndexConfig, LLMConfig
from index.embed import OnnxEmbedder
from index.engine import Engine
from index.llm import NO_ANSWER, REJECTED, TIMED_OUT, UNAVAILABLE, LLMChooser
from index.llm.chooser import MAX_IN_FLIGHT
from index.respond import Answerer
from index.types import Answer, Citation
from index.understand.question import parse

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
Q_FRIDAY = "How many Ukrainians returned home on Friday?"
Q_RUSSIANS = "How many Russians were repatriated?"
SENTENCE_390 = "390 Ukrainians returned home on Friday"
SENTENCE_120 = "270 Russian military personnel and 120 civilians were repatriated"
SENTENCE_BELARUS = "at a designated border point near Belarus"
_LINE = re.compile(r"^\[(\d+)\] \((.*?)\) (.*)$", re.MULTILINE)


@pytest.fixture
def fake() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


def openai_cfg(fake: FakeLLMServer, timeout_s: float = 5.0) -> LLMConfig:
    return LLMConfig(
        provider="openai", base_url=fake.openai_url, model="fake", api_key="x",
        timeout_s=timeout_s,
    )


def ask(seeded_engine: Engine, cfg: LLMConfig, question: str = Q_FRIDAY) -> Answer:
    """The real answer path over the seeded index, with an LLM for ``cfg``."""
    answerer = Answerer(seeded_engine.store, seeded_engine.embedder, seeded_engine.reader,
                        LLMChooser(cfg))
    return answerer.answer(question)


def offline(seeded_engine: Engine, question: str = Q_FRIDAY) -> Answer:
    return Answerer(seeded_engine.store, seeded_engine.embedder, seeded_engine.reader).answer(
        question)


def sentences(body: dict[str, Any]) -> dict[int, str]:
    """The numbered sentences the model was shown, parsed back out of the request."""
    prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    return {int(m.group(1)): m.group(3) for m in _LINE.finditer(prompt)}


def n_of(body: dict[str, Any], needle: str) -> int:
    return next(n for n, s in sentences(body).items() if needle in s)


def choice(*needles: str, lead: str = "") -> Callable[[dict[str, Any]], str]:
    """A scripted model that chooses the sentences holding ``needles``, in that order."""
    return lambda body: json.dumps(
        {"sentences": [n_of(body, x) for x in needles], "lead": lead})


def assert_verbatim(answer: Answer) -> None:
    """Every quote is the seed file's text at its offsets, numbered 1..N, and every
    marker in the answer names one of them."""
    for c in answer.citations:
        assert c.path and Path(c.path).read_text(encoding="utf-8")[c.start : c.end] == c.quote
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    used = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert used <= {c.n for c in answer.citations}


# -- item 1: the model chooses, newsqa renders ---------------------------------------------------


def test_choice_is_rendered_by_newsqa(seeded_engine: Engine, fake: FakeLLMServer) -> None:
    """A lead copied from the chosen sentence heads it, as the offline answer's lead does."""
    fake.enqueue(choice(SENTENCE_120, lead="270 Russian military personnel and 120 civilians"))
    ans = ask(seeded_engine, openai_cfg(fake), Q_RUSSIANS)
    assert not ans.refused and ans.notice is None
    [quote] = [c for c in ans.citations if SENTENCE_120 in c.quote]
    assert ans.answer.splitlines()[0] == (
        f"270 Russian military personnel and 120 civilians — According to CNN: "
        f"{quote.quote} [{quote.n}]")
    assert_verbatim(ans)


def test_order_is_the_models_and_conflicts_are_newsqas(
    seeded_engine: Engine, fake: FakeLLMServer
) -> None:
    """The model's order is kept; the sources' disagreement is still newsqa's own block."""
    fake.enqueue(choice(SENTENCE_BELARUS, SENTENCE_390))
    ans = ask(seeded_engine, openai_cfg(fake))
    base = offline(seeded_engine)
    assert ans.notice is None and not ans.refused
    assert [c.quote for c in ans.citations] == [base.citations[1].quote,
                                                base.citations[0].quote]
    assert ans.answer.startswith("The sources disagree on the number of Ukrainians: "
                                 "390 Ukrainians (CNN [2]); 270 Ukrainians (")
    assert [(c.value, c.citations) for c in ans.conflicts[0].claims] == [
        ("390 Ukrainians", (2,)), ("270 Ukrainians", (1,))]
    assert_verbatim(ans)


def test_request_asks_for_constrained_json(seeded_engine: Engine, fake: FakeLLMServer) -> None:
    fake.enqueue(choice(SENTENCE_390))
    ask(seeded_engine, openai_cfg(fake))
    [req] = fake.requests
    assert req.path == "/v1/chat/completions"
    assert req.body["model"] == "fake" and req.headers.get("Authorization") == "Bearer x"
    numbered = sentences(req.body)
    assert list(numbered) == list(range(1, len(numbered) + 1)) and len(numbered) >= 3
    assert Q_FRIDAY in req.prompt and any(SENTENCE_390 in s for s in numbered.values())
    assert re.search(r"^\[\d+\] \(CNN, [^)]+\) ", req.prompt, re.MULTILINE)
    fmt = req.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    shape = fmt["json_schema"]["schema"]
    assert shape["required"] == ["sentences", "lead"] and shape["additionalProperties"] is False
    assert shape["properties"]["sentences"]["items"]["enum"] == list(numbered)


def test_server_without_json_schema_is_asked_again_without(
    seeded_engine: Engine, fake: FakeLLMServer
) -> None:
    fake.enqueue("response_format json_schema is not supported", status=400)
    fake.enqueue(choice(SENTENCE_120, lead="120 civilians"))
    fake.enqueue(choice(SENTENCE_120))
    chooser = LLMChooser(openai_cfg(fake))
    answerer = Answerer(seeded_engine.store, seeded_engine.embedder, seeded_engine.reader,
                        chooser)
    first, second = answerer.answer(Q_RUSSIANS), answerer.answer(Q_RUSSIANS)
    assert first.notice is None and first.answer.startswith("120 civilians — According to CNN")
    assert second.notice is None
    assert ["response_format" in r.body for r in fake.requests] == [True, False, False]


def test_ollama_provider(seeded_engine: Engine, fake: FakeLLMServer) -> None:
    pick = choice(SENTENCE_120, lead="120 civilians")
    fake.enqueue(lambda b: "<think>the CNN sentence</think>" + pick(b))
    cfg = LLMConfig(provider="ollama", base_url=fake.ollama_url, model="llama3.2", timeout_s=5)
    ans = ask(seeded_engine, cfg, Q_RUSSIANS)
    [req] = fake.requests
    assert req.path == "/api/chat" and req.body["model"] == "llama3.2"
    assert req.body["stream"] is False and Q_RUSSIANS in req.prompt
    assert req.body["format"]["required"] == ["sentences", "lead"]
    assert ans.notice is None and ans.answer.startswith("120 civilians — According to CNN: ")
    assert "think" not in ans.answer
    assert_verbatim(ans)


@pytest.mark.parametrize(("script", "notice"), [
    ({"status": 500}, UNAVAILABLE), ({"status": 401}, UNAVAILABLE), ({"text": "   "}, REJECTED),
])
def test_service_errors_fall_back(
    seeded_engine: Engine, fake: FakeLLMServer, script: dict[str, Any], notice: str
) -> None:
    fake.enqueue(**script)
    ans = ask(seeded_engine, openai_cfg(fake))
    assert len(fake.requests) == 1  # no retries
    assert ans.notice == notice
    assert ans.answer == offline(seeded_engine).answer and not ans.refused


def test_connection_refused_falls_back(seeded_engine: Engine) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = LLMConfig(provider="openai", base_url=f"http://127.0.0.1:{port}/v1", model="m",
                    timeout_s=1.0)
    ans = ask(seeded_engine, cfg)
    assert ans.notice == UNAVAILABLE
    assert ans.answer == offline(seeded_engine).answer


def test_settings_llm_is_never_set(seeded_engine: Engine, fake: FakeLLMServer) -> None:
    from llama_index.core import Settings

    fake.enqueue(choice(SENTENCE_390))
    ask(seeded_engine, openai_cfg(fake))
    assert Settings._llm is None


# -- item 3: one deadline for the whole call ----------------------------------------------------


def test_delayed_reply_falls_back_at_the_deadline(
    seeded_engine: Engine, fake: FakeLLMServer
) -> None:
    fake.enqueue(choice(SENTENCE_390), delay=5.0)
    t0 = time.perf_counter()
    ans = ask(seeded_engine, openai_cfg(fake, timeout_s=0.5))
    assert time.perf_counter() - t0 < 3.0
    assert ans.notice == TIMED_OUT and ans.answer == offline(seeded_engine).answer


def test_trickled_reply_is_cut_at_the_deadline(
    seeded_engine: Engine, fake: FakeLLMServer
) -> None:
    """A server that sends one byte every 0.1 s never trips a per-read timeout; its reply
    (~300 bytes, ~30 s) must still lose at the deadline of the whole call."""
    fake.enqueue(choice(SENTENCE_390), trickle=0.1)
    t0 = time.perf_counter()
    ans = ask(seeded_engine, openai_cfg(fake, timeout_s=1.0))
    elapsed = time.perf_counter() - t0
    assert elapsed < 4.0, elapsed
    assert ans.notice == TIMED_OUT and ans.answer == offline(seeded_engine).answer


def test_calls_left_running_are_bounded() -> None:
    """Abandoned calls keep a worker each until their reply ends; beyond MAX_IN_FLIGHT the
    model counts as unavailable at once instead of piling up threads."""
    release = threading.Event()

    class Stuck:
        def chat(self, *args: Any, **kwargs: Any) -> Any:
            release.wait(30)
            raise TimeoutError("released")

    chooser = LLMChooser(LLMConfig(provider="openai", timeout_s=0.05), client=Stuck())
    q = parse(Q_FRIDAY)
    numbered = [Citation(1, "390 Ukrainians returned home on Friday.", "a", "a:0", "T", "CNN",
                         None, None, None)]
    try:
        assert [chooser.choose(q, numbered).notice for _ in range(MAX_IN_FLIGHT)] == [
            TIMED_OUT] * MAX_IN_FLIGHT
        assert chooser.choose(q, numbered).notice == UNAVAILABLE  # refused, not waited for
    finally:
        release.set()


# -- item 4: "no sentence answers" does not turn an answer into a refusal ----------------------


@pytest.mark.parametrize(("reply", "notice"), [
    ('{"sentences": [], "lead": ""}', NO_ANSWER),
    ("INSUFFICIENT", REJECTED),  # the old contract's word is no longer a refusal either
])
def test_model_finding_nothing_keeps_the_offline_answer(
    seeded_engine: Engine, fake: FakeLLMServer, reply: str, notice: str
) -> None:
    fake.enqueue(reply)
    ans = ask(seeded_engine, openai_cfg(fake))
    base = offline(seeded_engine)
    assert not ans.refused and ans.notice == notice
    assert ans.answer == base.answer and ans.citations == base.citations
    assert any(SENTENCE_390 in c.quote for c in ans.citations)


# -- end to end through Engine -----------------------------------------------------------------


def test_engine_answer_end_to_end(
    tmp_path: Path, embedder: OnnxEmbedder, fake: FakeLLMServer
) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    cfg = IndexConfig(data_dir=tmp_path / "data", llm=openai_cfg(fake, timeout_s=2))
    engine = Engine(cfg, embedder=embedder)
    engine.ingest([str(tmp_path / "seeds")])
    fake.enqueue(choice(SENTENCE_120, lead="120 civilians"))
    ans = engine.answer(Q_RUSSIANS)
    assert isinstance(engine.llm, LLMChooser)
    assert ans.answer.startswith("120 civilians — According to CNN: ")
    data = ans.to_json()
    assert data["refused"] is False and data["question"] == Q_RUSSIANS and data["notice"] is None
    assert [c["n"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))
    for c in data["citations"]:
        assert c["quote"] in Path(c["path"]).read_text(encoding="utf-8")
    fake.enqueue(status=500)
    assert engine.answer(Q_RUSSIANS).notice == UNAVAILABLE
