"""Chatwoot's webhook signature: ``X-Chatwoot-Signature: sha256=<hex>`` where the hex is
HMAC-SHA256 with the webhook's secret over ``"<X-Chatwoot-Timestamp>.<raw body>"``."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_PREFIX = "sha256="


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def signature_matches(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Constant-time comparison of ``signature`` with the one ``secret`` gives."""
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode())


def parse_timestamp(value: str) -> int | None:
    """Unix seconds from the header, or None when it is not a plain integer."""
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        return None
    return int(value)


def token_matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())
