"""Feeds: RSS/Atom subscriptions kept current by incremental refreshes.

Modules, in order (imports only go down this list, then into ``index.ingest``):
``urls`` (``newsqa ingest URL`` that may be a feed), ``refresh`` (conditional GET, known
entries skipped, pages fetched at most 2 per host, failures counted and backed off),
``subscriptions`` (the SQLite list of feeds and of the entries already ingested),
``entries`` (an entry → an Article: its page, else its summary), ``parse`` (feedparser →
``Feed``).
"""
