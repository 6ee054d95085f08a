"""newsqa front ends: the ``newsqa`` CLI (``cli``) over the terminal REPL (``repl``), the feeds
commands (``feeds_cli``), the Telegram bot (``telegram/``) and ``newsqa eval`` (``eval/``),
which never import each other; below them ``console``, ``render``, ``settings`` and ``escape``.
"""
