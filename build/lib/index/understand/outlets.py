"""Outlets a question names: those the index holds (their articles must be cited) and
well-known ones it does not (a premise that cannot be checked)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from index.understand.question import stems

# Well-known outlets, matched case-sensitively in questions. Naming one that the index holds no
# article from means the question's premise cannot be checked. (Ambiguous words such as "Time"
# are left out on purpose.)
KNOWN_OUTLETS = (
    "Bloomberg", "Reuters", "Wall Street Journal", "WSJ", "New York Times", "NYT",
    "Washington Post", "CNN", "BBC", "The Guardian", "Financial Times", "The Economist",
    "Associated Press", "AP News", "CNBC", "CNET", "TechCrunch", "The Verge", "Engadget",
    "Forbes", "Business Insider", "Axios", "Politico", "NPR", "Fox News", "NBC News",
    "ABC News", "CBS News", "Al Jazeera", "The Independent", "The Telegraph", "Sky News",
    "USA Today", "Los Angeles Times", "Newsweek", "Ars Technica", "Gizmodo", "ZDNet",
    "VentureBeat", "The Atlantic", "HuffPost", "Yahoo News", "Daily Mail", "ESPN",
    "Sporting News", "TalkSport", "Polygon", "IGN", "Kotaku", "The Hill", "Vox", "Wired",
)
_KNOWN_OUTLET_RE = re.compile(
    r"(?<![\w'’])(" + "|".join(re.escape(o) for o in KNOWN_OUTLETS) + r")(?![\w'’])"
)


def named_outlets(text: str, indexed: Sequence[str]) -> list[str]:
    """Indexed outlets that ``text`` names ("as reported by TechCrunch")."""
    low = f" {text.casefold()} "
    return [
        outlet for outlet in indexed
        if any(re.search(rf"(?<!\w){re.escape(v)}(?!\w)", low) for v in _outlet_variants(outlet))
    ]


def outlets_named(text: str) -> list[str]:
    """Well-known outlets a question names, as written."""
    return list(dict.fromkeys(m.group(1) for m in _KNOWN_OUTLET_RE.finditer(text)))


def _outlet_variants(outlet: str) -> set[str]:
    """"Cnbc | World Business News Leader" is named "CNBC"; "BBC News - Sport" is "BBC News"."""
    full = outlet.casefold().strip()
    head = re.split(r"\s+[|\-–—:]\s+", full)[0].strip()
    variants = {full, head}
    for v in list(variants):
        if v.startswith("the "):
            variants.add(v[len("the "):])
    for v in list(variants):
        for suffix in (" news", ".com"):
            if v.endswith(suffix):
                variants.add(v[: -len(suffix)])
    return {v for v in variants if len(v) >= 3}


def clause_naming(text: str, outlet: str, indexed: Sequence[str] = ()) -> str:
    """The part of a multi-part question that names ``outlet`` ("…, introduced invite-only
    deals during Prime Day as reported by Wired, …" → that clause), with the clause before it
    when the naming part says little else; the whole question when the part names several
    outlets ("reported by both Fortune and TechCrunch"), well-known or among ``indexed``."""
    parts = [p.strip() for p in re.split(r"[,;]|\s+and\s+(?=(?:is|was|has|had|also|the)\b)",
                                         text) if p.strip()]
    variants = _outlet_variants(outlet)
    for i, part in enumerate(parts):
        low = f" {part.casefold()} "
        if not any(re.search(rf"(?<!\w){re.escape(v)}(?!\w)", low) for v in variants):
            continue
        several = len(outlets_named(part)) > 1 or len(named_outlets(part, indexed)) > 1
        if several or re.search(r"\bboth\b", part, re.IGNORECASE):
            return text
        rest = re.sub(r"\b(?:as\s+)?(?:reported|noted|mentioned|covered|according|stated|"
                      r"said|written)\b.*$", "", part, flags=re.IGNORECASE)
        if len(rest.split()) < 5 and i:
            return f"{parts[i - 1]}, {part}"
        return part
    return text


MIN_CLAUSE_SEMANTIC = 0.30


def best_for_clause(outlet: str, clause: str, cvec: np.ndarray, sents: Sequence[Any],
                    chosen: Sequence[Any]) -> Any:
    """The outlet's sentence that best answers its clause (meaning, then shared words), unless
    an article already cited answers it."""
    words = set(stems(clause)) - set(stems(outlet))

    def fit(x: Any) -> float:
        sem = float(x.vec @ cvec) if x.vec is not None else x.semantic
        return sem + 0.3 * len(words & set(stems(x.text))) / max(1, len(words))

    pool = [x for x in sents if x.chunk.meta.get("source") == outlet]
    if not pool:
        return None
    pick = max(pool, key=fit)
    if fit(pick) < MIN_CLAUSE_SEMANTIC or any(c.article_id == pick.article_id for c in chosen):
        return None
    return pick
