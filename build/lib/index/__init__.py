"""newsqa core library, one stage per folder (imports only go down; tests/test_layout.py):
``text``/``types``/``config``/``datadir`` (shared) → ``ingest/``, ``feeds/``, the embedder,
``store`` → ``answer/`` (with ``retrieve``, ``llm``) → ``engine`` (the facade both front ends
use) → ``llamaindex`` (the same retrieval and answers as LlamaIndex objects).

Nothing in this package reads environment variables, prints, or knows about Telegram:
front ends in ``bot/`` build the configuration once and pass it down.
"""
