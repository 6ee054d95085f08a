"""The optional LLM: it may only choose which numbered sentences answer and a lead copied
from one of them (``contract``); newsqa renders the answer itself. Article text it reads is
normalised and stripped of sentences that give orders (``guard``); the call has one deadline
and never fails the answer (``chooser``)."""

from index.llm.chooser import (
    NO_ANSWER,
    REJECTED,
    TIMED_OUT,
    UNAVAILABLE,
    WITHHELD,
    LLMChooser,
)
from index.llm.contract import build_prompt, parse_choice, schema
from index.llm.guard import clean, is_injection

__all__ = [
    "NO_ANSWER", "REJECTED", "TIMED_OUT", "UNAVAILABLE", "WITHHELD", "LLMChooser",
    "build_prompt", "clean", "is_injection", "parse_choice", "schema",
]
