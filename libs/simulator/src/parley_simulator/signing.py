"""How Chatwoot signs a webhook delivery (account webhooks, API inboxes, agent bots).

``X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>``, with the
unix-seconds ``X-Chatwoot-Timestamp`` and an ``X-Chatwoot-Delivery`` id that stays the same
across retries of one delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid

SIGNATURE_HEADER = "X-Chatwoot-Signature"
TIMESTAMP_HEADER = "X-Chatwoot-Timestamp"
DELIVERY_HEADER = "X-Chatwoot-Delivery"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def signed_headers(
    secret: str, body: bytes, *, timestamp: int | None = None, delivery_id: str | None = None
) -> dict[str, str]:
    """The headers of one signed delivery of ``body``."""
    sent_at = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(secret, sent_at, body),
        TIMESTAMP_HEADER: str(sent_at),
        DELIVERY_HEADER: delivery_id or str(uuid.uuid4()),
    }
