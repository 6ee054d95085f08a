"""The optional LLM rewrite: real LlamaIndex integrations against a scripted server on loopback.

The server (``tests/fake_llm_server.py``) imitates the external service only; retrieval,
the offline composer and verification are the real ones over the seeded Chroma index.
"""

from __future__ import annotations

import re
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_llm_server import FakeLLMServer  # tests/ is on sys.path (no __init__.py)

from index.answer.compose import Answerer
from index.config import IndexConfig, LLMConfig
from index.embed import OnnxEmbedder
from index.engine import Engine
from index.llm import (
    CLAIMS_DROPPED,
    QUOTE_REMOVED,
    UNAVAILABLE,
    UNVERIFIED,
    LLMWriter,
    claims_dropped,
    verify_answer,
)
from index.types import Answer, Citation, Claim, Conflict

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
Q_FRIDAY = "How many Ukrainians returned home on Friday?"
SENTENCE_390 = "390 Ukrainians returned home on Friday"
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
    """The real answer path over the seeded index, with an LLM writer for ``cfg``."""
    answerer = Answerer(seeded_engine.store, seeded_engine.embedder, seeded_engine.reader,
                        LLMWriter(cfg))
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


def reply(template: Callable[[dict[str, Any], int], str]) -> Callable[[dict[str, Any]], str]:
    """A scripted model that cites whichever number the 390 sentence got."""
    return lambda body: template(body, n_of(body, SENTENCE_390))


def cited(answer: Answer, needle: str) -> int:
    """The answer's citation number for the sentence containing ``needle``."""
    return next(c.n for c in answer.citations if needle in c.quote)


def assert_verbatim(answer: Answer) -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    for c in answer.citations:
        assert any(c.quote in t for t in texts.values()), c.quote
        assert c.path and Path(c.path).read_text(encoding="utf-8")[c.start : c.end] == c.quote
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    used = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert used <= {c.n for c in answer.citations}


# -- through the OpenAI-compatible path ---------------------------------------------------------


def test_good_cited_answer_passes_through(seeded_engine: Engine, fake: FakeLLMServer) -> None:
    fake.enqueue(reply(lambda b, n: (
        f"On Friday, 390 Ukrainians came home [{n}]. Zelensky confirmed that "
        f"“{SENTENCE_390}” [{n}]."
    )))
    ans = ask(seeded_engine, openai_cfg(fake))
    assert not ans.refused and ans.notice is None
    k = cited(ans, SENTENCE_390)
    assert f"On Friday, 390 Ukrainians came home [{k}]. Zelensky confirmed that" in ans.answer
    assert f"“{SENTENCE_390}” [{k}]." in ans.answer
    assert_verbatim(ans)


def test_request_holds_question_and_numbered_sentences(
    seeded_engine: Engine, fake: FakeLLMServer
) -> None:
    fake.enqueue("INSUFFICIENT")
    ask(seeded_engine, openai_cfg(fake))
    [req] = fake.requests
    assert req.path == "/v1/chat/completions"
    assert req.body["model"] == "fake" and req.headers.get("Authorization") == "Bearer x"
    assert Q_FRIDAY in req.prompt and "INSUFFICIENT" in req.prompt
    numbered = sentences(req.body)
    assert list(numbered) == list(range(1, len(numbered) + 1)) and len(numbered) >= 3
    assert any(SENTENCE_390 in s for s in numbered.values())
    assert re.search(r"^\[\d+\] \(CNN, [^)]+\) ", req.prompt, re.MULTILINE)


def test_fabricated_quote_is_removed(seeded_engine: Engine, fake: FakeLLMServer) -> None:
    fake.enqueue(reply(lambda b, n: (
        f"390 Ukrainians returned home [{n}]. Zelensky said “we will never forgive them for "
        f"this war” [{n}]."
    )))
    ans = ask(seeded_engine, openai_cfg(fake))
    assert "never forgive" not in ans.answer
    assert f"390 Ukrainians returned home [{cited(ans, SENTENCE_390)}]." in ans.answer
    assert ans.notice and QUOTE_REMOVED in ans.notice
    assert_verbatim(ans)


def test_unknown_marker_and_uncited_claims_are_dropped(
    seeded_engine: Engine, fake: FakeLLMServer
) -> None:
    fake.enqueue(reply(lambda b, n: (
        f"390 Ukrainians returned home on Friday.[{n}] Russia lost 5,000 tanks [99]. "
        "Putin resigned the same day."
    )))
    ans = ask(seeded_engine, openai_cfg(fake))
    k = cited(ans, SENTENCE_390)
    assert f"390 Ukrainians returned home on Friday [{k}]." in ans.answer
    for gone in ("[99]", "tanks", "Putin"):
        assert gone not in ans.answer
    assert ans.notice and CLAIMS_DROPPED in ans.notice
    assert_verbatim(ans)


def test_nothing_verifiable_falls_back(seeded_engine: Engine, fake: FakeLLMServer) -> None:
    fake.enqueue("Putin resigned on Friday [42].")
    ans = ask(seeded_engine, openai_cfg(fake))
    assert ans.answer == offline(seeded_engine).answer
    assert ans.notice == UNVERIFIED


def test_insufficient_means_refusal(seeded_engine: Engine, fake: FakeLLMServer) -> None:
    fake.enqueue("INSUFFICIENT")
    ans = ask(seeded_engine, openai_cfg(fake))
    assert ans.refused and not ans.citations
    assert ans.closest and "closest articles" in ans.answer


@pytest.mark.parametrize("script", [{"status": 500}, {"status": 401}, {"text": "   "}])
def test_service_errors_fall_back(
    seeded_engine: Engine, fake: FakeLLMServer, script: dict[str, Any]
) -> None:
    fake.enqueue(**script)
    ans = ask(seeded_engine, openai_cfg(fake))
    assert len(fake.requests) == 1  # no retries
    assert ans.notice == UNAVAILABLE
    assert ans.answer == offline(seeded_engine).answer and not ans.refused
    assert any("390" in c.quote for c in ans.citations)


def test_timeout_falls_back_fast(seeded_engine: Engine, fake: FakeLLMServer) -> None:
    fake.enqueue(f"too late [1] {SENTENCE_390}", delay=5.0)
    t0 = time.perf_counter()
    ans = ask(seeded_engine, openai_cfg(fake, timeout_s=0.5))
    elapsed = time.perf_counter() - t0
    assert ans.notice == UNAVAILABLE and "too late" not in ans.answer
    assert elapsed < 3.0, elapsed


def test_connection_refused_falls_back(seeded_engine: Engine) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = LLMConfig(provider="openai", base_url=f"http://127.0.0.1:{port}/v1", model="m",
                    timeout_s=1.0)
    ans = ask(seeded_engine, cfg)
    assert ans.notice == UNAVAILABLE
    assert any("390" in c.quote for c in ans.citations)


def test_settings_llm_is_never_set(seeded_engine: Engine, fake: FakeLLMServer) -> None:
    from llama_index.core import Settings

    fake.enqueue(reply(lambda b, n: f"390 Ukrainians returned home [{n}]."))
    ask(seeded_engine, openai_cfg(fake))
    assert Settings._llm is None


# -- Ollama ------------------------------------------------------------------------------------


def test_ollama_provider(seeded_engine: Engine, fake: FakeLLMServer) -> None:
    fake.enqueue(reply(lambda b, n: f"<think>hmm</think>390 Ukrainians came home [{n}]."))
    cfg = LLMConfig(provider="ollama", base_url=fake.ollama_url, model="llama3.2", timeout_s=5)
    ans = ask(seeded_engine, cfg)
    [req] = fake.requests
    assert req.path == "/api/chat" and req.body["model"] == "llama3.2"
    assert req.body["stream"] is False and Q_FRIDAY in req.prompt
    assert f"390 Ukrainians came home [{cited(ans, SENTENCE_390)}]." in ans.answer
    assert "think" not in ans.answer and ans.notice is None
    assert_verbatim(ans)


def test_ollama_down_falls_back(seeded_engine: Engine, fake: FakeLLMServer) -> None:
    fake.enqueue(status=503)
    cfg = LLMConfig(provider="ollama", base_url=fake.ollama_url, model="m", timeout_s=5)
    assert ask(seeded_engine, cfg).notice == UNAVAILABLE


# -- end to end through Engine -----------------------------------------------------------------


def test_engine_answer_end_to_end(
    tmp_path: Path, embedder: OnnxEmbedder, fake: FakeLLMServer
) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    cfg = IndexConfig(data_dir=tmp_path / "data", llm=openai_cfg(fake, timeout_s=2))
    engine = Engine(cfg, embedder=embedder)
    engine.ingest([str(tmp_path / "seeds")])
    fake.enqueue(reply(lambda b, n: f"According to CNN, {SENTENCE_390} [{n}]."))
    ans = engine.answer(Q_FRIDAY)
    assert isinstance(engine.llm, LLMWriter)
    assert f"According to CNN, {SENTENCE_390} [{cited(ans, SENTENCE_390)}]." in ans.answer
    data = ans.to_json()
    assert data["refused"] is False and data["question"] == Q_FRIDAY
    assert [c["n"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))
    for c in data["citations"]:
        assert c["quote"] in Path(c["path"]).read_text(encoding="utf-8")
    fake.enqueue(status=500)
    assert engine.answer(Q_FRIDAY).notice == UNAVAILABLE


# -- verification rules on hand-made sentences (no server) --------------------------------------


def _cite(n: int, quote: str, article: str, start: int) -> Citation:
    return Citation(n=n, quote=quote, article_id=article, chunk_id=f"{article}:0", title="T",
                    source="CNN", published="2025-05-23", url=None, path=None, start=start,
                    end=start + len(quote))


S1 = _cite(1, "Zelensky confirmed that 390 Ukrainians returned home on Friday.", "a", 10)
S2 = _cite(2, "Both sides exchanged 390 people — 270 Ukrainians and 120 Russians.", "b", 40)
S3 = _cite(3, "“We are bringing our people home,” he stated on X.", "a", 300)


def _offline(conflicts: bool = False) -> Answer:
    cites = [S1, S2]
    found = [Conflict("number of Ukrainians", (Claim("390 Ukrainians", (1,)),
                                                Claim("270 Ukrainians", (2,))))]
    return Answer("q", "offline [1]", False, citations=cites, conflicts=found if conflicts else [])


def test_markers_renumbered_in_order_of_use() -> None:
    ans = verify_answer("He stated “we are bringing our people home” [3]. 390 came home [1, 3].",
                 _offline(), [S1, S2, S3])
    assert ans.answer == "He stated “we are bringing our people home” [1]. 390 came home [2][1]."
    assert [(c.n, c.start) for c in ans.citations] == [(1, 300), (2, 10)]
    assert ans.citations[0].quote == S3.quote


def test_quote_with_wrong_marker_gets_its_true_source() -> None:
    text = "Zelensky: “We are bringing our people home” [1]."
    ans = verify_answer(text, _offline(), [S1, S2, S3])
    assert {c.start for c in ans.citations} == {10, 300} and ans.notice is None


def test_number_not_in_cited_sentence_is_dropped() -> None:
    ans = verify_answer("390 Ukrainians came home [1]. In total 660 people were swapped [1][2].",
                 _offline(), [S1, S2, S3])
    assert "660" not in ans.answer and ans.notice == claims_dropped(1)


def test_offline_conflicts_are_kept_and_renumbered() -> None:
    ans = verify_answer("He stated “we are bringing our people home” [3]. 390 came home [1].",
                 _offline(conflicts=True), [S1, S2, S3])
    by_start = {c.start: c.n for c in ans.citations}
    assert by_start == {300: 1, 10: 2, 40: 3}  # the 270 sentence is appended as [3]
    [conflict] = ans.conflicts
    assert [(c.value, c.citations) for c in conflict.claims] == [
        ("390 Ukrainians", (2,)), ("270 Ukrainians", (3,))]
    assert ans.answer.startswith("The sources disagree on the number of Ukrainians")


def test_model_saying_sources_disagree_is_kept() -> None:
    text = "The sources disagree. One says 390 Ukrainians [1]; another says 270 Ukrainians [2]."
    ans = verify_answer(text, _offline(conflicts=True), [S1, S2, S3])
    assert ans.answer == text and ans.notice is None
    assert [c.citations for c in ans.conflicts[0].claims] == [(1,), (2,)]


def test_lists_lead_ins_and_source_trailers() -> None:
    text = ("Here is what I found:\n1. 390 Ukrainians returned on Friday [1].\n"
            "2. Putin resigned.\n3. Another source gives 270 Ukrainians [2].\n\nSources: [1], [2]")
    ans = verify_answer(text, _offline(), [S1, S2, S3])
    assert ans.answer == (
        "1. 390 Ukrainians returned on Friday [1].\n3. Another source gives 270 Ukrainians [2]."
    )
    assert ans.notice == claims_dropped(1)  # for "Putin resigned." only
