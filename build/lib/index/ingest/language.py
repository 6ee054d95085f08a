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


@lru_cache(maxsize=1)
def _langid() -> Any:
    import py3langid

    return py3langid


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` (``"en"`` for empty or undecidable text)."""
    words = [w.lower() for w in _WORD.findall(text[:4000])]
    if len(words) < 5:
        return "en"
    share = sum(1 for w in words if w in _ENGLISH) / len(words)
    if share >= _ENGLISH_SHARE:
        return "en"
    code, _score = _langid().classify(text[:4000])
    return str(code) or "en"
