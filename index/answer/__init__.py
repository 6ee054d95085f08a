"""Answering: question → retrieve → evidence → witnesses → readings compared → refusal gate →
composed, cited ``Answer``.

Modules, in the order a question flows through them: ``compose`` (the ``Answerer`` facade
and answer text) and ``briefing`` ("what's the latest on X"), ``retrieve`` (vectors + BM25
fused), ``evidence`` (sentences scored), ``gate`` (answerability, the lead), ``agree``
(readings compared: agreement, disagreement, update), ``reading`` (each article's value for
the asked slot), ``witness`` (each article's best sentence and its typed value), ``cite``
(citations and refusals), ``analysis`` (the question parsed with spaCy), ``question``
(cleaning, keywords, follow-ups), ``outlets`` and ``conflicts`` (quantities as a cue).
"""
