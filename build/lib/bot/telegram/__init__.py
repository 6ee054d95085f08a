"""The Telegram front end, one module per concern (imports go down this list):

``app`` builds and runs the python-telegram-bot ``Application``; ``handlers`` answers questions,
commands and admin uploads; ``feeds`` is ``/feeds`` and the scheduled feed refresh; ``base`` is
what every handler stands on (types, fixed replies, sending); ``access`` the allowlist, admins,
rate limit and token check; ``render`` answers as Telegram HTML; ``migrate`` the one-time
conversion of the old pickle state; ``state`` per-chat memory persisted as JSON; ``log``
token redaction.
"""
