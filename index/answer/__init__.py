"""Answering a question from the indexed articles, one module a stage, in the order
``index.respond`` calls them: ``search`` (``retrieve`` vectors + BM25 fused; ``breadth``
covers each named outlet, day and clause; ``evidence`` scores the candidate sentences cheaply;
``reports`` keeps one per report) → ``read`` (the trained reader: witnesses with spans) →
``refuse.decide`` (answer or not) → ``compare`` (the articles' answers agree, disagree or
update) → ``compose`` (lead, quotes and citations, ``cite``). Thresholds: ``calibration``.
The question arrives parsed by ``index.understand``.
"""
