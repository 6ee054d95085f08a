"""Answering: question → evidence → witnesses → refusal gate → composed, cited ``Answer``.

Modules, in the order a question flows through them (imports only go down this list):
``compose`` (the ``Answerer`` facade and answer text), ``gate`` (answerability),
``witness`` (each article's best sentence and the typed value it states), ``analysis``
(the question parsed with spaCy: answer type, focus, entities), ``conflicts`` (values compared
across articles), ``question`` (cleaning, keywords, follow-ups).
"""
