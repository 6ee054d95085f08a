"""A followed topic as the bot's state keeps it (``ChatState.follows``) and the local user's
``follows.json`` too: plain typed data, read back field by field by ``state_check``."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.types import Citation

SENT_KEPT = 500
SEEN_KEPT = 10


@dataclass
class Follow:
    """A topic the chat follows (``/follow``): who asked (the allowlist is checked again at each
    push) and the articles already pushed for it, so a restart never sends one twice."""

    topic: str
    user_id: int = 0
    username: str = ""
    sent: list[str] = field(default_factory=list)
    """Article ids pushed for this topic, oldest first (the newest ``SENT_KEPT`` are kept)."""
    seen: list[Citation] = field(default_factory=list)
    """The ledes pushed last (``SEEN_KEPT``): a later lede's changed figure is shown against
    them, both quoted."""

    def pushed(self, ledes: list[Citation]) -> None:
        """Record ``ledes`` (of new reports) as sent."""
        self.sent = [*self.sent, *(c.article_id for c in ledes)][-SENT_KEPT:]
        self.seen = [*self.seen, *ledes][-SEEN_KEPT:]

