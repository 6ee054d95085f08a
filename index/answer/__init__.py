"""Answering, in the order a question flows: ``question`` (understand: clean, type, follow-ups)
and ``briefing`` ("what's the latest on X") → ``retrieve`` (vectors + BM25 fused) and
``breadth`` / ``outlets`` (each named outlet, day and clause covered) → ``evidence`` (the
candidate sentences, cheaply scored) → ``read`` (the trained reader: witnesses with spans) →
``refuse`` (answer or not) → ``compare`` (the articles' answers agree, disagree or update) →
``compose`` (the ``Answerer``: lead, quotes, ``Answer``) with ``cite`` (citations, refusals).
Thresholds: ``calibration``.
"""
