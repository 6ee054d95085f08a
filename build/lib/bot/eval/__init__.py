"""``newsqa eval``: run a question set (eval-dev format) and score it without an LLM judge.

Scoring follows ../shared/eval-dev/README.md: normalised whole-word containment for entity
answers (strict, and with a small alias table; a list-valued ``answer`` and ``accept_also`` are
acceptable alternatives), the first yes/no verdict of the first sentence for comparison/temporal
questions, refusal patterns for every unanswerable question (``answerable: false``, type
``null_query`` or gold "Insufficient information."), evidence recall by corpus file name, and a
verbatim check of every quote against the file it cites. A question's ``history`` (earlier
questions of the same chat) is asked first, as in the REPL, so follow-ups are scored in context.

Modules, imports going down this list: ``run`` (``run_eval``: ask, score, write, print),
``metrics`` (per-question rows, metrics per type, tables), ``score`` (pure answer, refusal,
evidence and verbatim checks, unit-tested on their own).
"""
