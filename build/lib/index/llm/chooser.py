"""Asking the model for its choice, within one deadline, never failing the answer.

``LLMChooser.choose`` sends the prompt of ``index.llm.contract`` through LlamaIndex's
OpenAI-compatible or Ollama integration with the reply constrained to the contract's JSON
schema (``response_format`` / ``format``), then parses it strictly. Whatever goes wrong (the
service down or slow, a reply off the contract, an exception) yields a ``Choice`` with only
a ``notice``: the offline answer stands. ``Settings.llm`` is never touched, so LlamaIndex's
echoing MockLLM cannot reach a user.

``NEWSQA_LLM_TIMEOUT`` is one deadline for the whole call. HTTP clients time out per read,
so a server that trickles its reply a byte at a time would hold a request for minutes: the
call runs in a worker thread and the answer stops waiting for it at the deadline. The
client's own per-read timeout (the same value) ends a stalled worker; a trickling one ends
when its reply does, and at most ``MAX_IN_FLIGHT`` such workers exist at once (beyond that
the model counts as unavailable).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from index.config import LLMConfig
from index.llm.contract import ContractError, Prompt, build_prompt, parse_choice, schema
from index.types import Choice, Citation
from index.understand.question import Question

log = logging.getLogger(__name__)

DEFAULT_MODELS = {"openai": "gpt-4o-mini", "ollama": "llama3.2"}
DEFAULT_OLLAMA_URL = "http://localhost:11434"
MAX_OUTPUT_TOKENS = 512  # a choice is short; room for a reasoning model's <think> block
MAX_IN_FLIGHT = 8

UNAVAILABLE = "The language model was unavailable, so this is the offline answer."
TIMED_OUT = "The language model did not answer in time, so this is the offline answer."
REJECTED = (
    "The language model's reply did not keep to its format (numbered sentences and a lead "
    "copied from them), so this is the offline answer."
)
WITHHELD = (
    "Every candidate sentence gives orders to its reader, so none was shown to the language "
    "model; this is the offline answer."
)
NO_ANSWER = (
    "The language model chose none of the sentences, but they answer the question, so this "
    "is the offline answer."
)


class _Deadline(Exception):
    """The call outlived ``NEWSQA_LLM_TIMEOUT``."""


class LLMChooser:
    """Lets an LLM choose an answer's sentences and lead; ``choose`` never raises."""

    def __init__(self, cfg: LLMConfig, *, client: Any = None) -> None:
        """``client`` is any LlamaIndex LLM (has ``.chat``); built from ``cfg`` when omitted."""
        self.cfg = cfg
        self._client = client
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_IN_FLIGHT)
        self._structured = True  # off once the server refuses a JSON schema

    def client(self) -> Any:
        """The LlamaIndex LLM, built on first use (importing ``openai`` costs ~0.5 s)."""
        with self._lock:
            if self._client is None:
                self._client = _build_client(self.cfg)
            return self._client

    def choose(self, q: Question, numbered: Sequence[Citation]) -> Choice:
        """The model's choice among ``numbered`` (citation numbers), or a notice.

        Args:
            q: the parsed question (``resolved`` is what the model is asked).
            numbered: the candidate sentences, each a verbatim quote with its number.
        """
        prompt = build_prompt(q, numbered)
        if not prompt.shown:
            return Choice(notice=WITHHELD)
        try:
            raw = self._within_deadline(prompt)
        except _Deadline:
            log.warning("LLM call exceeded its %.1f s deadline", self.cfg.timeout_s)
            return Choice(notice=TIMED_OUT)
        except Exception as exc:  # refused connection, HTTP error, busy, client bug …
            log.warning("LLM call failed (%s): %s", type(exc).__name__, exc)
            return Choice(notice=UNAVAILABLE)
        try:
            chosen = parse_choice(raw, prompt)
        except ContractError as exc:
            log.warning("LLM reply rejected: %s", exc)
            return Choice(notice=REJECTED)
        if not chosen.sentences:
            return Choice(notice=NO_ANSWER)
        return Choice(sentences=chosen.sentences, lead=chosen.lead)

    def _within_deadline(self, prompt: Prompt) -> str:
        """``complete`` in a worker thread, waited for until the deadline and no longer."""
        if not self._slots.acquire(blocking=False):
            raise RuntimeError(f"{MAX_IN_FLIGHT} calls to the model still running")
        try:
            self.client()  # built (imports and all) before the clock starts: only the call counts
        except BaseException:
            self._slots.release()
            raise
        deadline = time.monotonic() + self.cfg.timeout_s
        result: dict[str, Any] = {}
        done = threading.Event()

        def work() -> None:
            try:
                result["text"] = self.complete(prompt)
            except BaseException as exc:  # handed to the waiting thread
                result["error"] = exc
            finally:
                self._slots.release()
                done.set()

        threading.Thread(target=work, name="newsqa-llm", daemon=True).start()
        if not done.wait(max(0.0, deadline - time.monotonic())):
            raise _Deadline
        if "error" in result:
            raise result["error"]
        return str(result["text"])

    def complete(self, prompt: Prompt) -> str:
        """Send the prompt, the reply constrained to the contract's schema; return its text."""
        from llama_index.core.llms import ChatMessage, MessageRole

        messages = [
            ChatMessage(role=MessageRole.SYSTEM, content=prompt.system),
            ChatMessage(role=MessageRole.USER, content=prompt.user),
        ]
        shape = schema(len(prompt.shown))
        kwargs: dict[str, Any] = {}
        if self.cfg.provider == "ollama":
            kwargs = {"format": shape}
        elif self._structured:
            kwargs = {"response_format": {"type": "json_schema", "json_schema": {
                "name": "newsqa_choice", "strict": True, "schema": shape}}}
        try:
            response = self.client().chat(messages, **kwargs)
        except Exception as exc:
            # A server without structured output says so with a 400: ask again (same deadline)
            # relying on the prompt alone; the strict parser judges the reply either way.
            if "response_format" not in kwargs or not _refuses_schema(exc):
                raise
            log.warning("the LLM server refused a JSON schema; asking without one")
            self._structured = False
            response = self.client().chat(messages)
        return str(response.message.content or "")


def _refuses_schema(exc: Exception) -> bool:
    """An HTTP 400 whose message is about the requested response format."""
    text = str(exc).casefold()
    return getattr(exc, "status_code", None) == 400 and any(
        w in text for w in ("response_format", "json_schema", "schema"))


def _build_client(cfg: LLMConfig) -> Any:
    model = cfg.model or DEFAULT_MODELS.get(cfg.provider, "")
    if cfg.provider == "openai":
        from llama_index.llms.openai_like import OpenAILike

        kwargs: dict[str, Any] = {}
        if cfg.base_url:
            kwargs["api_base"] = cfg.base_url
        return OpenAILike(
            model=model,
            # Local servers need no key, but the OpenAI client insists on one and would
            # otherwise read OPENAI_API_KEY from the environment.
            api_key=cfg.api_key or "none",
            is_chat_model=True,
            timeout=cfg.timeout_s,
            max_retries=0,
            temperature=0.0,
            max_tokens=MAX_OUTPUT_TOKENS,
            **kwargs,
        )
    if cfg.provider == "ollama":
        from llama_index.llms.ollama import Ollama

        return Ollama(
            model=model,
            base_url=cfg.base_url or DEFAULT_OLLAMA_URL,
            request_timeout=cfg.timeout_s,
            temperature=0.0,
            # A known context window stops the integration asking /api/show on first use.
            context_window=8192,
            additional_kwargs={"num_predict": MAX_OUTPUT_TOKENS},
            headers={"Authorization": f"Bearer {cfg.api_key}"} if cfg.api_key else None,
        )
    raise ValueError(f"unknown LLM provider {cfg.provider!r} (use none, openai or ollama)")
