"""Every threshold of the answer path, in one place, with the data and command that chose it.

Fitted on the *tune* slices only — SQuAD articles of bucket 1 (``python -m tools.squad_slice
tune …``) and the news dev set — by ``python -m tools.calibrate R_tune.jsonl …`` over
``newsqa eval --out`` rows (their ``signals``); checked on the held-out SQuAD slice (bucket 0)
that nothing was tuned on. Numbers in docs/BENCHMARKS.md ("Trained reader").
"""

from __future__ import annotations

MAX_CANDIDATES = 24
"""Sentences the reader scores per question, in cheap-score order. A gold answer is in the top
24 for 0.982 of the SQuAD tune slice's answerable questions and 0.969 of the news dev set's
(all candidates: 0.987 / 0.977; top 16: 0.965 / 0.961): ``python -m tools.candidate_recall
QUESTIONS.jsonl --data DATA_DIR``."""

CHEAP_WEIGHT = 2.0
"""Weight of the cheap score (≈0–1) added to the reader's logit when ranking sentences."""

LEAD_P = 0.5
"""A "value —" lead needs the best sentence's reader probability at least this …"""
LEAD_SPAN_P = 0.3
"""… and its span probability at least this (and a span of the asked type)."""

COMPARE_P = 0.8
"""An article's answer takes part in agreement / disagreement / update only when its witness
is this sure (and its span is of the asked type) …"""
MIN_ALIKE = 0.6
"""… and its sentence is this close in meaning (cosine of sentence vectors) to the best
witness's: the two speak of the same thing. Both chosen on the news dev set by
``python -m tools.calibrate_compare ../shared/eval-dev/news/questions.jsonl --data D``: flags on
conflict/latest questions 0.087, false flags elsewhere 0.029 (0.5/0.5: 0.174 / 0.081; 0.9/0.3:
0.043 / 0.015). A false "the sources disagree" costs more trust than a missed one."""

# Refusal: P(answerable) = sigmoid(bias + Σ weight·signal); refused below REFUSE_BELOW, the
# highest cut with ≤ 5 % false refusals on the tune rows. Fitted on 932 rows (233 unanswerable):
# the SQuAD tune slice (800 questions) and the news dev set (159), reader of 2026-12-06:
#   python -m tools.squad_slice tune /tmp/sq-tune --questions 800
#   newsqa eval /tmp/sq-tune/questions.jsonl --corpus /tmp/sq-tune/corpus --out T.jsonl
#   newsqa eval ../shared/eval-dev/news/questions.jsonl --corpus … --out N.jsonl
#   python -m tools.calibrate T.jsonl N.jsonl
# AUROC on those rows: classifier 0.746; reader logit alone 0.689, best cosine alone 0.663.
REFUSAL_WEIGHTS: dict[str, float] = {
    "reader_logit": 0.1995,
    "best_logit": 0.1097,
    "cosine": 5.3879,
    "margin": -4.2397,
    "coverage": 0.1405,
    "names": -0.2314,
    "in_sentence": 0.5483,
    "span_p": 0.9973,
    "sure": 0.1737,
}
REFUSAL_BIAS = -3.9209
REFUSE_BELOW = 0.243
