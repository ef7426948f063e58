"""Which Chatwoot account sent a delivery, proven by its signature or its URL token.

- Signed deliveries (``X-Chatwoot-Signature``): the timestamp must be within the configured
  window of now, and the signature must match the secret of a configured account. The body is
  not parsed before this succeeds.
- Unsigned deliveries (older Chatwoot) may use ``/v1/webhooks/chatwoot/{token}`` with a
  per-account token, when one is configured. A timestamp is optional there, but when sent it is
  bounded like a signed one (a far-future version would freeze rows against later edits).
- Several accounts may share a secret (or a token): every account whose secret verifies the
  delivery may have sent it, and the body names which one (:meth:`Sender.account_for`).
- An account with no secret or token configured is unknown: 401 ``unknown_account`` (not
  404, so callers cannot probe which accounts exist). A body naming an account whose secret
  did not verify it is refused the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from parley_ingest.settings import IngestSettings
from parley_ingest.webhooks.errors import (
    BadSignature,
    MalformedTimestamp,
    StaleTimestamp,
    UnknownAccount,
)
from parley_ingest.webhooks.schemas import RawDelivery
from parley_ingest.webhooks.signing import parse_timestamp, signature_matches, token_matches

TIMESTAMP_HEADER = "X-Chatwoot-Timestamp"


@dataclass(frozen=True)
class Sender:
    """The accounts whose secret (or URL token) verified a delivery: one, unless shared."""

    account_ids: frozenset[int]
    sent_at: datetime | None  # X-Chatwoot-Timestamp, when the delivery carries a valid one

    def account_for(self, payload: dict[str, Any]) -> int:
        """The account the body names, if its secret verified the delivery; a body naming no
        account belongs to the only verified one."""
        named = account_named_in(payload)
        if named is None:
            if len(self.account_ids) == 1:
                return next(iter(self.account_ids))
            raise UnknownAccount("the body names no account, and several share this secret")
        if named not in self.account_ids:
            raise UnknownAccount("the body names another account than the one that signed it")
        return named


class WebhookAuthenticator:
    """Holds the configured secrets and URL tokens; tells which accounts may have sent a
    delivery."""

    def __init__(self, *, settings: IngestSettings) -> None:
        self._settings = settings

    def sender(self, delivery: RawDelivery, now: datetime) -> Sender:
        if delivery.url_token is not None:
            return self._by_url_token(delivery, now)
        return self._by_signature(delivery, now)

    def _by_url_token(self, delivery: RawDelivery, now: datetime) -> Sender:
        given = delivery.url_token or ""
        matches = frozenset(
            account_id
            for account_id, token in self._settings.chatwoot_webhook_url_tokens.items()
            if token_matches(token.get_secret_value(), given)
        )
        if not matches:
            raise UnknownAccount("no account has this webhook URL token")
        if delivery.timestamp is None:
            return Sender(account_ids=matches, sent_at=None)
        timestamp = parse_timestamp(delivery.timestamp)
        if timestamp is None:
            raise MalformedTimestamp(
                f"{TIMESTAMP_HEADER} must be unix seconds", field=TIMESTAMP_HEADER
            )
        return Sender(account_ids=matches, sent_at=self._within_window(timestamp, now))

    def _by_signature(self, delivery: RawDelivery, now: datetime) -> Sender:
        secrets = self._settings.chatwoot_webhook_secrets
        if not secrets:
            raise UnknownAccount("no Chatwoot account is configured for webhooks")
        if not delivery.signature:
            raise BadSignature("missing X-Chatwoot-Signature", field="X-Chatwoot-Signature")
        timestamp = parse_timestamp(delivery.timestamp or "")
        if timestamp is None:
            raise BadSignature(f"missing or malformed {TIMESTAMP_HEADER}", field=TIMESTAMP_HEADER)
        sent_at = self._within_window(timestamp, now)
        text_timestamp = delivery.timestamp or ""
        matches = frozenset(
            account_id
            for account_id, secret in secrets.items()
            if signature_matches(
                secret.get_secret_value(), text_timestamp, delivery.body, delivery.signature
            )
        )
        if not matches:
            raise BadSignature("signature does not match any configured account")
        return Sender(account_ids=matches, sent_at=sent_at)

    def _within_window(self, timestamp: int, now: datetime) -> datetime:
        """The timestamp as a time, if it is within the window of now (either way)."""
        if abs(now.timestamp() - timestamp) > self._settings.webhook_timestamp_window_s:
            raise StaleTimestamp(
                f"{TIMESTAMP_HEADER} is outside the accepted window", field=TIMESTAMP_HEADER
            )
        return datetime.fromtimestamp(timestamp, UTC)


def account_named_in(payload: dict[str, Any]) -> int | None:
    """The account a body names: ``account.id`` (messages, contacts) or ``account_id``."""
    account = payload.get("account")
    for named in (
        account.get("id") if isinstance(account, dict) else None,
        payload.get("account_id"),
    ):
        if type(named) is int:  # not a bool
            return named
    return None
