"""The LlamaIndex entry points with real LlamaIndex objects over a real index of the seeds
(real Chroma in a temp dir, the real MiniLM embedder): ``NewsqaRetriever`` inside LlamaIndex's
own ``RetrieverQueryEngine``, and ``NewsqaQueryEngine`` against ``Engine.answer``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from llama_index.core import Settings
from llama_index.core.base.response.schema import Response
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from index.answer.retrieve import Filters, retrieve
from index.engine import Engine
from index.llamaindex import NewsqaQueryEngine, NewsqaRetriever, open_engine
from index.text import display
from index.understand.question import clean

CONFLICT_Q = "How many Ukrainians returned home on Friday?"
REFUSED_Q = "How many bus drivers were laid off?"
ARTICLE_FIELDS = ("article_id", "title", "source", "published", "url", "path")


def _file_text(path: str) -> str:
    """The article's text as the ingest read it (UTF-8, line endings normalised)."""
    return Path(path).read_text(encoding="utf-8")


def test_retriever_returns_exact_slices_with_article_metadata(seeded_engine: Engine) -> None:
    hits = NewsqaRetriever(seeded_engine, top_k=5).retrieve(CONFLICT_Q)
    articles = {a.article_id: a for a in seeded_engine.sources()}
    assert 0 < len(hits) <= 5
    assert all(isinstance(h, NodeWithScore) and isinstance(h.node, TextNode) for h in hits)
    scores = [h.score for h in hits]
    assert all(s is not None and s > 0 for s in scores)
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    for hit in hits:
        node, meta = hit.node, hit.node.metadata
        assert isinstance(node, TextNode)
        article = articles[meta["article_id"]]
        assert meta["title"] == article.title
        assert meta["source"] == (article.source or "")
        assert meta["published"] == (article.published or "")
        assert meta["url"] == (article.url or "")
        assert meta["path"] == article.path
        assert (node.start_char_idx, node.end_char_idx) == (meta["start"], meta["end"])
        # The node text is the stored chunk: an exact slice of the article's file.
        assert _file_text(meta["path"])[meta["start"] : meta["end"]] == node.text
        assert node.node_id == meta["chunk_id"]
        # Ids and offsets stay out of what an LLM would be shown.
        shown = node.get_content(metadata_mode="llm")  # type: ignore[arg-type]
        assert meta["title"] in shown and meta["chunk_id"] not in shown
    assert any("390 Ukrainians returned home on Friday" in h.node.text for h in hits)
    assert len({h.node.metadata["article_id"] for h in hits}) == 2  # both seeds have a voice


def test_retriever_in_llamaindex_retriever_query_engine(
    seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # LlamaIndex 0.14's factory does not hand ``llm`` to its NoText synthesizer, which then
    # resolves ``Settings.llm`` (OpenAI, wanting a key): give it the mock for this test only.
    monkeypatch.setattr(Settings, "_llm", MockLLM())
    retriever = NewsqaRetriever(seeded_engine, top_k=6)
    engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM(), response_mode="no_text")
    response = engine.query(CONFLICT_Q)
    assert isinstance(response, Response)
    assert not response.response  # no_text: retrieval only
    ids = [n.node.node_id for n in response.source_nodes]
    # The same candidates, in the same order, as the retrieval the composer starts from.
    text, _ = clean(CONFLICT_Q)
    qvec = np.asarray(seeded_engine.embedder.embed([text])[0], dtype=np.float32)
    expected = [c.chunk.chunk_id for c in retrieve(seeded_engine.store, qvec, text, 6)]
    assert ids == expected and len(ids) == 6
    # A QueryBundle works as well as a string.
    again = engine.query(QueryBundle(CONFLICT_Q))
    assert [n.node.node_id for n in again.source_nodes] == ids


def test_retriever_filters_and_empty_question(seeded_engine: Engine) -> None:
    cnn = NewsqaRetriever(seeded_engine, filters=Filters(source="cnn")).retrieve(CONFLICT_Q)
    assert cnn and all(h.node.metadata["source"] == "CNN" for h in cnn)
    assert NewsqaRetriever(seeded_engine, filters=Filters(source="Reuters")).retrieve(
        CONFLICT_Q) == []
    assert NewsqaRetriever(seeded_engine).retrieve("  <b> </b> ") == []


def test_query_engine_response_is_engine_answer(seeded_engine: Engine) -> None:
    response = NewsqaQueryEngine(seeded_engine).query(CONFLICT_Q)
    answer = seeded_engine.answer(CONFLICT_Q)
    assert isinstance(response, Response)
    assert response.response == answer.answer and "[1]" in answer.answer
    assert response.metadata is not None
    assert response.metadata["refused"] is False
    assert response.metadata["conflicts"] == [c.to_json() for c in answer.conflicts]
    assert response.metadata["conflicts"], "the seeds disagree on this number"
    assert response.metadata["notice"] == answer.notice
    nodes = [n.node for n in response.source_nodes]
    assert [n.text for n in nodes] == [c.quote for c in answer.citations]
    for node, cite in zip(nodes, answer.citations, strict=True):
        meta = node.metadata
        assert meta["n"] == cite.n and meta["chunk_id"] == cite.chunk_id
        assert {k: meta[k] for k in ARTICLE_FIELDS} == {
            k: getattr(cite, k) or "" for k in ARTICLE_FIELDS
        }
        # Verbatim: the quote is what the file's text start:end displays as.
        source = _file_text(meta["path"])
        shown = display(source[meta["start"] : meta["end"]])
        if "header_start" in meta:
            shown = display(source[meta["header_start"] : meta["header_end"]]) + "\n" + shown
        assert node.text == shown
        assert (node.start_char_idx, node.end_char_idx) == (cite.start, cite.end)


def test_query_engine_refusal(seeded_engine: Engine) -> None:
    response = NewsqaQueryEngine(seeded_engine, top_k=8).query(REFUSED_Q)
    answer = seeded_engine.answer(REFUSED_Q, k=8)
    assert response.metadata is not None and response.metadata["refused"] is True
    assert answer.refused and response.response == answer.answer
    assert response.metadata["conflicts"] == []
    assert [n.node.text for n in response.source_nodes] == [c.quote for c in answer.citations]


def test_open_engine_opens_nothing_until_used(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "data", top_k=3)
    assert engine.cfg.data_dir == tmp_path / "data" and engine.cfg.top_k == 3
    assert not (tmp_path / "data").exists()
    with pytest.raises(TypeError):
        open_engine(tmp_path / "data", no_such_setting=1)


def test_readme_example_runs(seeded_engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's "From LlamaIndex code" example, as printed there, over the seed index."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From LlamaIndex code", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) <= 12
    assert 'open_engine("data")' in code
    data_dir = str(seeded_engine.cfg.data_dir)
    exec(compile(code.replace('"data"', repr(data_dir)), "README.md", "exec"), {})
    out = capsys.readouterr().out
    answer = seeded_engine.answer("How many Ukrainians returned home on Friday?")
    assert answer.answer in out and answer.citations[0].quote in out
    assert "number of Ukrainians" in out  # the conflict's topic


async def test_async_entry_points_match_sync(seeded_engine: Engine) -> None:
    retriever = NewsqaRetriever(seeded_engine, top_k=4)
    hits = await retriever.aretrieve(CONFLICT_Q)
    assert [h.node.node_id for h in hits] == [
        h.node.node_id for h in retriever.retrieve(CONFLICT_Q)]
    response = await NewsqaQueryEngine(seeded_engine).aquery(CONFLICT_Q)
    assert isinstance(response, Response)
    assert response.response == seeded_engine.answer(CONFLICT_Q).answer


def test_chat_engine_answers_follow_ups_as_the_repl_does(seeded_engine: Engine) -> None:
    """``NewsqaChatEngine`` keeps the conversation: a fragment is understood against the
    previous turn (as ``Engine.answer`` with the REPL's history), a reset forgets it, a
    ``chat_history`` passed in replaces it, and streaming gives the same text."""
    from llama_index.core.base.llms.types import ChatMessage, MessageRole

    from index.engine import remember
    from index.llamaindex import NewsqaChatEngine

    chat = NewsqaChatEngine(seeded_engine)
    first = chat.chat("How many Ukrainians returned home on Friday?")
    assert "390" in first.response and first.source_nodes
    second = chat.chat("and how many Russians?")
    assert second.metadata is not None
    assert second.metadata["resolved_question"] == "How many Russians returned home on Friday?"
    direct = seeded_engine.answer(
        "and how many Russians?",
        remember([], seeded_engine.answer("How many Ukrainians returned home on Friday?")))
    assert second.response == direct.answer
    assert [m.role for m in chat.chat_history] == [MessageRole.USER, MessageRole.ASSISTANT] * 2

    chat.reset()
    alone = chat.chat("and how many Russians?")
    assert alone.metadata is not None and alone.metadata["resolved_question"] is None

    given = [ChatMessage(role=MessageRole.USER, content="How many Ukrainians returned home?"),
             ChatMessage(role=MessageRole.ASSISTANT, content="390 …")]
    streamed = chat.stream_chat("and the Russians?", chat_history=given)
    assert "".join(streamed.response_gen) == seeded_engine.answer(
        "How many Russians returned home?").answer
    assert len(chat.chat_history) == 4
