"""Comparing sources: do the readings of different articles agree, disagree, or update?

Values are compared, not sentences: each article gives at most one *reading* (``reading``),
the value its witness states for the question's slot. Two readings fill the *same slot* only
when they come from different articles and
- measure the same thing: same kind (number, date, place, name, rank), same counted noun
  (people = individuals) or currency or unit, and no different acts next to the values
  ("3 killed" and "17 injured" are two slots);
- have the same scope: a value tied to another period or a running total ("4,757 freed
  *since March 2022*", "*so far*"), or to another member of a contrast set ("*state*
  assembly" against "*national* parliament"), is another slot unless the question names it;
- are about the same thing: their sentences are alike in meaning (names, places and days,
  which differ for many innocent reasons, only when nearly twins).

Numbers are compared as ranges at their written precision and bound: "$9.37bn" is "$9.4bn"
but not "$9.3bn"; "at least 80" fits 89, "more than 400" does not fit 352. A value that fits
every other disputes nothing. Names agree when one contains the other or when either sentence
also says the other's value; days at their common precision.

Differing values are an **update** when the slot changes over time (counts, amounts, ranks),
every reading is dated and readings of one day agree: newest first, and the newest leads.
Otherwise they are a **disagreement**. For a "latest" question over undated differing
reports no value may lead (``Comparison.unordered``). One value from several articles is an
**agreement**, shown with each source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from index.answer.question import verb_stem
from index.answer.reading import Reading, day_of
from index.answer.witness import mentions

MIN_ALIKE = 0.30  # two witnesses this far apart in meaning speak of different things
MIN_ALIKE_NAMES = 0.60  # names, places and days differ for many reasons: compare only twins


@dataclass
class Comparison:
    """``kind``: "agreement", "disagreement", "update" or "" (one reading or none);
    ``groups``: readings grouped by agreeing value, the leading group first (for an update,
    the newest; else the best witness's)."""

    kind: str = ""
    groups: list[list[Reading]] = field(default_factory=list)
    unordered: bool = False
    """Values differ but cannot be put in time order although the question asks for the
    latest: no value may lead."""


def compare(found: Sequence[Reading], *, latest: bool = False) -> Comparison:
    """Group readings stating the same value and say how the groups relate (module
    docstring). The first reading is the best witness's; its group leads unless the slot was
    updated or the question asks for the latest."""
    if not found:
        return Comparison()
    lead = found[0]
    groups: list[list[Reading]] = []
    for r in [lead, *(r for r in found[1:] if _same_slot(lead, r))]:
        for g in groups:
            if _same_value(r, g[0]):
                g.append(r)
                break
        else:
            groups.append([r])
    if len(groups) == 1:
        articles = {r.article_id for r in groups[0]}
        return Comparison("agreement" if len(articles) > 1 else "", groups)
    if _is_update(groups, lead.kind):
        groups.sort(key=lambda g: max(r.published or "" for r in g), reverse=True)
        return Comparison("update", groups)
    # a value that fits every other ("at least 127" beside 129 and 132) disputes nothing
    disputed = [g for g in groups
                if any(not _compatible(g[0], h[0]) for h in groups if h is not g)]
    if not disputed:
        return Comparison("", groups[:1])
    if groups[0] not in disputed:
        disputed.insert(0, groups[0])
    if latest:
        if not all(r.published for g in disputed for r in g):
            # "the latest …" expects values to change; undated, they cannot be ordered, and
            # calling them a disagreement would mislead
            return Comparison("", groups[:1], unordered=True)
        disputed.sort(key=lambda g: max(r.published or "" for r in g), reverse=True)
    return Comparison("disagreement", disputed)


# -- comparing -----------------------------------------------------------------------------------


def _same_slot(a: Reading, b: Reading) -> bool:
    if a.article_id == b.article_id or a.kind != b.kind or a.unit != b.unit:
        return False
    if a.scope != b.scope or (a.acts and b.acts and not a.acts & b.acts):
        return False  # another period or total, or another act ("killed" and "injured")
    va, vb = a.sentence.vec, b.sentence.vec
    if va is None or vb is None:
        return a.kind in ("number", "rank")
    alike = float(va @ vb)
    return alike >= (MIN_ALIKE if a.kind in ("number", "rank") else MIN_ALIKE_NAMES)


def _same_value(a: Reading, b: Reading) -> bool:
    """``a`` and ``b`` state one value: equal numbers (at their written precision, with the
    same bound) or agreeing names and days."""
    if a.kind not in ("number", "rank"):
        return _agree(a, b)
    if a.number is None or b.number is None:
        return a.number == b.number
    if "~" in (a.op, b.op):
        return _compatible(a, b)
    return a.op == b.op and abs(a.number - b.number) <= _tolerance(a, b)


def _compatible(a: Reading, b: Reading) -> bool:
    """Both can be true at once: their ranges overlap ("at least 80" and 89)."""
    if a.kind not in ("number", "rank"):
        return _agree(a, b)
    if a.number is None or b.number is None:
        return True
    (lo_a, hi_a), (lo_b, hi_b) = _range(a), _range(b)
    tol = _tolerance(a, b)
    return lo_a <= hi_b + tol and lo_b <= hi_a + tol


def _tolerance(a: Reading, b: Reading) -> float:
    x, y = a.number or 0.0, b.number or 0.0
    return max(a.resolution, b.resolution) / 2 + 1e-9 * max(abs(x), abs(y), 1.0)


def _range(r: Reading) -> tuple[float, float]:
    x = r.number or 0.0
    inf = float("inf")
    return {
        ">=": (x, inf), ">": (x, inf), "<=": (-inf, x), "<": (-inf, x),
        "~": (x - 0.1 * abs(x), x + 0.1 * abs(x)),
    }.get(r.op, (x, x))


def _agree(a: Reading, b: Reading) -> bool:
    """Names and days: the same, an alias, or each sentence also says the other's value;
    acts: verbs for the same act ("hurt" = "injured")."""
    if a.kind == "act":
        return verb_stem(a.value.norm) == verb_stem(b.value.norm)
    if mentions(a.sentence.text, b.value.text) or mentions(b.sentence.text, a.value.text):
        return True  # "from US custody in Guantanamo Bay" says both: no contradiction
    if a.kind == "date":
        x, y = day_of(a.value), day_of(b.value)
        if not x or not y:
            return _names_agree(a.value.text, b.value.text)
        n = min(len(x), len(y))
        return x[:n] == y[:n]
    return _names_agree(a.value.text, b.value.text)


def _names_agree(x: str, y: str) -> bool:
    return mentions(x, y) or mentions(y, x)


def _is_update(groups: list[list[Reading]], kind: str) -> bool:
    """Every reading dated, values of one day agree, and the slot is one that changes."""
    if kind not in ("number", "rank"):
        return False
    days: dict[str, int] = {}
    for i, g in enumerate(groups):
        for r in g:
            if not r.published:
                return False
            if days.setdefault(r.published, i) != i:
                return False
    return len({max(r.published or "" for r in g) for g in groups}) == len(groups)
