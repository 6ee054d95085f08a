"""newsqa core library: ingest, chunk, store, retrieve, answer.

Nothing in this package reads environment variables, prints, or knows about Telegram:
front ends in ``bot/`` build the configuration once and pass it down.
"""
