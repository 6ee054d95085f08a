"""Stories, not articles: reports of one event grouped, so five articles about one storm are
one entry of a briefing (its newest report leading, "also: outlet, outlet").

Two reports tell one story when their ledes are close in meaning: the cosine of the ledes'
sentence vectors (stored at ingest, so grouping embeds nothing) is at least
``calibration.SAME_STORY``. Groups are single-link in the order given (newest first), so a
group's first member is its newest report. This is story grouping for briefings only;
near-identical wire copies are a separate, ingest-time concern. ``group_stories`` is the one
hook either can call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.answer.calibration import SAME_STORY


def group_stories(
    vectors: Sequence[np.ndarray | None], threshold: float = SAME_STORY
) -> list[list[int]]:
    """Indices of ``vectors`` grouped into stories, each group and the groups in input order.

    A report joins the first group holding a report at least ``threshold`` alike (cosine); a
    report without a vector is a story of its own."""
    groups: list[list[int]] = []
    units: list[np.ndarray | None] = []
    for v in vectors:
        if v is None:
            units.append(None)
            continue
        a = np.asarray(v, dtype=np.float64).ravel()
        norm = float(np.linalg.norm(a))
        units.append(a / norm if norm else None)
    for i, u in enumerate(units):
        home = None
        if u is not None:
            home = next((g for g in groups if any(
                (w := units[j]) is not None and float(u @ w) >= threshold for j in g)), None)
        if home is None:
            groups.append([i])
        else:
            home.append(i)
    return groups
