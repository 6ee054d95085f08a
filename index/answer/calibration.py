"""Every threshold of the answer path, in one place, with the data and command that chose it.

Fitted on the *tune* slices only — SQuAD articles of bucket 1 (``python -m tools.squad_slice
tune …``) and the news dev set — by ``python -m tools.calibrate R_tune.jsonl …`` over
``newsqa eval --out`` rows (their ``signals``); checked on the held-out SQuAD slice (bucket 0)
that nothing was tuned on. Numbers in docs/BENCHMARKS.md ("Trained reader").
"""

from __future__ import annotations

MAX_CANDIDATES = 24
"""Sentences the reader scores per question (cheap-score order): gold sentence kept in the
capped pool for 0.91 of tune questions whose gold was retrieved at all."""

CHEAP_WEIGHT = 2.0
"""Weight of the cheap score (≈0–1) added to the reader's logit when ranking sentences."""

LEAD_P = 0.5
"""A "value —" lead needs the best sentence's reader probability at least this …"""
LEAD_SPAN_P = 0.3
"""… and its span probability at least this (and a span of the asked type)."""

COMPARE_P = 0.5
"""An article's answer takes part in agreement / disagreement / update only when its witness
is this sure (and its span is of the asked type)."""

# Refusal: P(answerable) = sigmoid(bias + Σ weight·signal), refused below REFUSE_BELOW.
REFUSAL_WEIGHTS: dict[str, float] = {
    "reader_logit": 0.6,
    "cosine": 4.0,
    "coverage": 2.0,
}
REFUSAL_BIAS = -2.5
REFUSE_BELOW = 0.5
