"""Exchange names and routing keys (``<entity>.<verb>.v<major>``)."""

from __future__ import annotations

EVENTS_EXCHANGE = "parley.events"
DEAD_LETTER_EXCHANGE = "parley.dlx"
