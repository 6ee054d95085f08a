"""Does a question ask for the news in general ("Any news today?", "Give me the headlines")
rather than for a fact ("What did the news agency report about the fire?")?

A logistic regression over the question's MiniLM vector (the engine's own embedder, so no new
model and ~5 ms per question), trained on examples, not on a list of phrasings: a list misses
the phrasing nobody wrote down, and the words it keys on ("news", "today", "headlines") are in
plenty of specific questions too. Weights, threshold and how they were chosen are in
``model/news_intent.json`` (card: ``model/NEWS_INTENT.md``), written by
``python -m tools.train_news_intent``; the file's sha256 is checked on load.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("model") / "news_intent.json"
MODEL_SHA256 = "07ad5087aabeca6286448abc49b583d3a303e7b0f6b4c1a5b50a3b62b22135dc"
"""Of ``MODEL_PATH`` as ``tools/train_news_intent.py`` wrote it (it prints the digest)."""


class IntentModelError(RuntimeError):
    """The committed weights are missing or not the ones this code was released with."""


@dataclass(frozen=True)
class IntentModel:
    weights: np.ndarray  # (dim,) over the unit-length question vector
    bias: float
    threshold: float  # on P(general news), chosen by cross-validation on the training examples

    def probability(self, vector: np.ndarray) -> float:
        """P(the question asks for the news in general) for its sentence vector."""
        v = np.asarray(vector, dtype=np.float64).ravel()
        if v.shape != self.weights.shape:
            return 0.0  # another embedder: no evidence for a general request
        return float(1.0 / (1.0 + np.exp(-(v @ self.weights + self.bias))))


@cache
def load_model(path: Path = MODEL_PATH, sha256: str | None = MODEL_SHA256) -> IntentModel:
    """The committed model; ``IntentModelError`` if its digest differs from the pinned one."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise IntentModelError(f"news-intent weights missing: {path} ({e})") from e
    digest = hashlib.sha256(raw).hexdigest()
    if sha256 is not None and digest != sha256:
        raise IntentModelError(
            f"{path} has sha256 {digest}, expected {sha256}: rebuild it with "
            "`python -m tools.train_news_intent` or restore the committed file")
    data = json.loads(raw)
    return IntentModel(np.asarray(data["weights"], dtype=np.float64), float(data["bias"]),
                       float(data["threshold"]))


INSTEAD_OF_REFUSAL = 0.5
"""A question the answer path would refuse gets the top stories instead when it is more
likely a request for the news than not. A briefing in place of a refusal costs the user
little; in place of an answer, much: hence the model's own, higher threshold for that."""


def news_threshold() -> float:
    """P(general request) at or above which a question gets the top stories, not an answer."""
    return load_model().threshold


def news_probability(vector: np.ndarray) -> float:
    """P(the question asks for the news in general), from its vector by the engine's
    embedder (the same vector retrieval uses: no second embedding)."""
    return load_model().probability(vector)
