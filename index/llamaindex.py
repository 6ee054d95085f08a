"""LlamaIndex entry points over a newsqa index: ``NewsqaRetriever`` (a ``BaseRetriever``),
``NewsqaQueryEngine`` (a ``CustomQueryEngine``) and ``NewsqaChatEngine`` (a
``BaseChatEngine``: follow-ups), for code that composes LlamaIndex objects.

Neither is a second implementation. The retriever runs ``index.answer.retrieve.retrieve`` —
the hybrid (Chroma vectors + BM25, reciprocal-rank fused, diversified by article) retrieval
the composer itself starts from — on the question cleaned as the answer path cleans it. The
query engine calls ``Engine.answer``, the one path the REPL, the CLI and the Telegram bot use,
and only re-shapes its ``Answer`` into a LlamaIndex ``Response``.

Node metadata uses the names of ``newsqa ask --json``: ``article_id``, ``chunk_id``, ``title``,
``source`` (the outlet, "" when unknown), ``published`` (ISO date or ""), ``url``, ``path``,
and ``start``/``end``: character offsets into the article's text as read from its file (line
endings normalised to ``\\n``), also set as the node's ``start_char_idx``/``end_char_idx``.

LlamaIndex is imported here, so this module stays out of the CLI's import path (~1 s).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.base.response.schema import Response
from llama_index.core.callbacks import CallbackManager
from llama_index.core.chat_engine.types import (
    AgentChatResponse,
    BaseChatEngine,
    StreamingAgentChatResponse,
)
from llama_index.core.query_engine import CustomQueryEngine
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from index.answer.retrieve import Candidate, Filters, retrieve
from index.config import IndexConfig
from index.engine import Engine, remember
from index.types import Answer, Citation, Turn
from index.understand.question import clean

ARTICLE_KEYS = ("article_id", "title", "source", "published", "url", "path")
"""Article fields every node carries (strings, "" when unknown)."""

# Ids and offsets are for code, not for a prompt or an embedding.
_HIDDEN_FROM_LLM = ["article_id", "chunk_id", "path", "start", "end", "header_start",
                    "header_end", "n"]


def open_engine(data_dir: str | Path, **config: Any) -> Engine:
    """The ``Engine`` over a data dir (``NEWSQA_DATA_DIR``, e.g. ``./data``); ``config`` sets
    other ``IndexConfig`` fields (``top_k``, ``chroma_host``…). Opens nothing until first use.

    Raises:
        TypeError: an unknown ``config`` field.
    """
    return Engine(IndexConfig(data_dir=Path(data_dir), **config))


def chunk_node(cand: Candidate) -> TextNode:
    """A retrieved chunk as a ``TextNode``: its stored text (an exact slice ``start:end`` of
    the article's text) with the article's metadata."""
    meta = cand.chunk.meta
    start, end = int(meta.get("start", 0)), int(meta.get("end", 0))
    metadata: dict[str, Any] = {key: str(meta.get(key) or "") for key in ARTICLE_KEYS}
    metadata.update(chunk_id=cand.chunk.chunk_id, start=start, end=end)
    if meta.get("heading"):
        metadata["heading"] = str(meta["heading"])  # the subheading above it (context only)
    return TextNode(
        id_=cand.chunk.chunk_id,
        text=cand.chunk.text,
        metadata=metadata,
        start_char_idx=start,
        end_char_idx=end,
        excluded_llm_metadata_keys=[*_HIDDEN_FROM_LLM, "heading"],
        excluded_embed_metadata_keys=list(metadata),
    )


def citation_node(citation: Citation) -> TextNode:
    """A cited sentence as a ``TextNode`` whose text is the quote exactly as newsqa shows it:
    ``index.text.display`` of the article's text ``start:end`` (a table row: its header row's
    display, a newline, then the row's). ``n`` is the citation number used in the answer text;
    the id is ``<chunk_id>:<start>-<end>``."""
    metadata: dict[str, Any] = {
        "n": citation.n,
        "article_id": citation.article_id,
        "chunk_id": citation.chunk_id,
        "title": citation.title,
        "source": citation.source or "",
        "published": citation.published or "",
        "url": citation.url or "",
        "path": citation.path or "",
        "start": citation.start,
        "end": citation.end,
    }
    if citation.header_end > citation.header_start:
        metadata.update(header_start=citation.header_start, header_end=citation.header_end)
    return TextNode(
        id_=f"{citation.chunk_id}:{citation.start}-{citation.end}",
        text=citation.quote,
        metadata=metadata,
        start_char_idx=citation.start,
        end_char_idx=citation.end,
        excluded_llm_metadata_keys=list(_HIDDEN_FROM_LLM),
        excluded_embed_metadata_keys=list(metadata),
    )


def to_response(answer: Answer) -> Response:
    """An ``Answer`` as a LlamaIndex ``Response``.

    ``response`` is the answer text (with its ``[n]`` markers, or the refusal); ``source_nodes``
    the citations in number order (``score`` None: the composer ranks sentences, it does not
    score citations); ``metadata`` holds ``refused`` (bool), ``conflicts`` (the ``ask --json``
    list: ``{"topic", "claims": [{"value", "citations"}]}``), ``notice`` (str or None),
    ``resolved_question`` (str or None) and ``timings_ms`` (stage → milliseconds).
    """
    return Response(
        response=answer.answer,
        source_nodes=[NodeWithScore(node=citation_node(c)) for c in answer.citations],
        metadata={
            "refused": answer.refused,
            "conflicts": [c.to_json() for c in answer.conflicts],
            "notice": answer.notice,
            "resolved_question": answer.resolved_question,
            "timings_ms": dict(answer.timings_ms),
        },
    )


class NewsqaRetriever(BaseRetriever):
    """newsqa's hybrid retrieval as a LlamaIndex retriever.

    ``retrieve(question)`` returns up to ``top_k`` (default: the engine's ``top_k``, 12)
    ``NodeWithScore``s of chunk ``TextNode``s, best first; ``score`` is the fused
    reciprocal-rank score (about 0.01–0.04; comparable within one query only). ``filters``
    narrows by outlet and publication date as ``newsqa ask --source/--since/--until`` does.
    A ``QueryBundle``'s own ``embedding`` is not used: the index holds MiniLM vectors, so the
    question is embedded with the engine's embedder. An empty question retrieves nothing.

    Raises (from ``retrieve``): ``StoreUnavailable`` when a Chroma server cannot be reached.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        top_k: int | None = None,
        filters: Filters | None = None,
        callback_manager: CallbackManager | None = None,
    ) -> None:
        super().__init__(callback_manager=callback_manager)
        self.engine = engine
        self.top_k = top_k
        self.filters = filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        text, _ = clean(query_bundle.query_str)  # as the answer path cleans a question
        if not text.strip():
            return []
        qvec = np.asarray(self.engine.embedder.embed([text])[0], dtype=np.float32)
        k = self.top_k or self.engine.cfg.top_k
        cands = retrieve(self.engine.store, qvec, text, k, filters=self.filters)
        return [NodeWithScore(node=chunk_node(c), score=c.fused) for c in cands]


class NewsqaQueryEngine(CustomQueryEngine):
    """newsqa's answers as a LlamaIndex query engine: ``query(question)`` returns
    ``to_response(engine.answer(question, k=top_k, filters=filters))`` — the same extractive,
    cited answer (or refusal) the REPL and the bot give, the LLM's choice included when the
    engine's config enables it. Each query stands alone (no follow-up history).

    Raises (from ``query``): ``StoreUnavailable``, ``DataDirError`` as ``Engine.answer`` does.
    """

    engine: Engine
    top_k: int | None = None
    filters: Filters | None = None

    def __init__(self, engine: Engine, **fields: Any) -> None:
        # pydantic fields; mypy sees BaseQueryEngine.__init__(callback_manager) instead
        super().__init__(engine=engine, **fields)  # type: ignore[call-arg]

    def custom_query(self, query_str: str) -> Response:
        return to_response(self.engine.answer(query_str, k=self.top_k, filters=self.filters))


class NewsqaChatEngine(BaseChatEngine):
    """newsqa's answers as a LlamaIndex chat engine: each ``chat(message)`` is answered by
    ``Engine.answer`` after the conversation so far, exactly as the REPL and the bot answer a
    follow-up (``index.understand.followup``; ``metadata["resolved_question"]`` says how it was
    understood). A ``chat_history`` passed in replaces the conversation: its user messages,
    each with the assistant message after it, become the turns. Streaming yields the whole
    answer as one chunk: it is extracted, not generated.
    """

    def __init__(
        self, engine: Engine, *, top_k: int | None = None, filters: Filters | None = None
    ) -> None:
        self.engine = engine
        self.top_k = top_k
        self.filters = filters
        self._turns: list[Turn] = []
        self._messages: list[ChatMessage] = []

    def reset(self) -> None:
        self._turns, self._messages = [], []

    @property
    def chat_history(self) -> list[ChatMessage]:
        return list(self._messages)

    def _answer(self, message: str, chat_history: list[ChatMessage] | None) -> Answer:
        if chat_history is not None:
            self._messages = list(chat_history)
            self._turns = _turns_of(chat_history)
        answer = self.engine.answer(message, self._turns, k=self.top_k, filters=self.filters)
        self._turns = remember(self._turns, answer)
        self._messages += [ChatMessage(role=MessageRole.USER, content=message),
                           ChatMessage(role=MessageRole.ASSISTANT, content=answer.answer)]
        return answer

    def chat(self, message: str, chat_history: list[ChatMessage] | None = None
             ) -> AgentChatResponse:
        response = to_response(self._answer(message, chat_history))
        return AgentChatResponse(response=str(response.response),
                                 source_nodes=response.source_nodes, metadata=response.metadata)

    def stream_chat(self, message: str, chat_history: list[ChatMessage] | None = None
                    ) -> StreamingAgentChatResponse:
        response = to_response(self._answer(message, chat_history))
        text = str(response.response)
        done = ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text),
                            delta=text)
        return StreamingAgentChatResponse(chat_stream=(r for r in [done]),
                                          source_nodes=response.source_nodes,
                                          is_writing_to_memory=False)

    async def achat(self, message: str, chat_history: list[ChatMessage] | None = None
                    ) -> AgentChatResponse:
        return self.chat(message, chat_history)

    async def astream_chat(self, message: str, chat_history: list[ChatMessage] | None = None
                           ) -> StreamingAgentChatResponse:
        return self.stream_chat(message, chat_history)


def _turns_of(messages: list[ChatMessage]) -> list[Turn]:
    turns: list[Turn] = []
    for i, m in enumerate(messages):
        if m.role == MessageRole.USER and m.content:
            nxt = messages[i + 1] if i + 1 < len(messages) else None
            reply = str(nxt.content or "") if nxt and nxt.role == MessageRole.ASSISTANT else ""
            turns.append(Turn(str(m.content), str(m.content), reply))
    return turns
