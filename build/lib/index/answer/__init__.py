"""Answering a question from the indexed articles, in the order a question flows: ``search``
(``retrieve`` vectors + BM25 fused; ``breadth`` covers each named outlet, day and clause;
``evidence`` scores the candidate sentences cheaply; ``reports`` keeps one per report) →
``compose``, which runs ``read`` (the trained reader: witnesses with spans) → ``refuse``
(answer or not) → ``compare`` (the articles' answers agree, disagree or update) → the lead,
quotes and citations (``cite``). Thresholds: ``calibration``. The question arrives parsed by
``index.understand``; ``index.respond`` chooses between this and a briefing.
"""
