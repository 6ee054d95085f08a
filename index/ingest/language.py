"""Which language an article is in: cheap for English, a kept classifier otherwise.

Most articles are English, and English is recognised from its function words in
microseconds; only other text pays for ``py3langid`` (a bundled model, ~1 s to load once).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ENGLISH = frozenset(
    "the of and to in a is that for on was with as by it at from he said his are be has "
    "have were an this not but they had who their its been which will".split()
)
_ENGLISH_SHARE = 0.12  # share of English function words in English news: ~0.25–0.35
# A question is short: one English question word or function word settles it.
_ENGLISH_QUESTION = _ENGLISH | frozenset(
    "what who whom whose how when where which why did does do is can could would should any "
    "many much there".split()
)
# py3langid's normalised probability for a question's language: "Ile osób zginęło?" 0.98,
# "¿Cuántas personas murieron?" 0.64; English questions without a listed word score below
# 0.5 as something else ("Brackenford flood toll?": en 0.23).
QUESTION_CONFIDENCE = 0.5


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's bundled model, loaded once, with normalised probabilities (the argmax is
    the same as its module-level ``classify``; questions need a probability to trust)."""
    from py3langid import langid

    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` (``"en"`` for empty or undecidable text)."""
    words = [w.lower() for w in _WORD.findall(text[:4000])]
    if len(words) < 5:
        return "en"
    share = sum(1 for w in words if w in _ENGLISH) / len(words)
    if share >= _ENGLISH_SHARE:
        return "en"
    code, _probability = _identifier().classify(text[:4000])
    return str(code) or "en"


def question_language(text: str) -> str:
    """ISO 639-1 code of a question, ``"en"`` unless it is surely another language: none of
    its words is an English question or function word and the classifier is confident."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 2 or any(w in _ENGLISH_QUESTION for w in words):
        return "en"
    code, probability = _identifier().classify(text)
    return str(code) if code != "en" and probability >= QUESTION_CONFIDENCE else "en"


def language_name(code: str) -> str:
    """"German" for ``"de"`` (Babel's CLDR names), the code itself when Babel has none."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(code).get_display_name("en"))
    except (UnknownLocaleError, ValueError):
        return f"another language ({code})"
