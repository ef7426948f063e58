"""Which Chatwoot account sent a delivery, proven by its signature or its URL token.

- Signed deliveries (``X-Chatwoot-Signature``): the timestamp must be within the configured
  window of now, and the signature must match the secret of one configured account; that
  account is the sender. The body is not parsed before this succeeds.
- Unsigned deliveries (older Chatwoot) may use ``/v1/webhooks/chatwoot/{token}`` with a
  per-account token, when one is configured.
- An account with no secret or token configured is unknown: 401 ``unknown_account`` (not
  404, so callers cannot probe which accounts exist). A body naming another account than the
  one that signed it is refused the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from parley_ingest.settings import IngestSettings
from parley_ingest.webhooks.errors import BadSignature, StaleTimestamp, UnknownAccount
from parley_ingest.webhooks.schemas import RawDelivery
from parley_ingest.webhooks.signing import parse_timestamp, signature_matches, token_matches


@dataclass(frozen=True)
class Sender:
    account_id: int
    sent_at: datetime | None  # X-Chatwoot-Timestamp, when the delivery carries a valid one


class WebhookAuthenticator:
    """Holds the configured secrets and URL tokens; tells which account sent a delivery."""

    def __init__(self, *, settings: IngestSettings) -> None:
        self._settings = settings

    def sender(self, delivery: RawDelivery, now: datetime) -> Sender:
        if delivery.url_token is not None:
            return self._by_url_token(delivery)
        return self._by_signature(delivery, now)

    def _by_url_token(self, delivery: RawDelivery) -> Sender:
        given = delivery.url_token or ""
        matches = [
            account_id
            for account_id, token in self._settings.chatwoot_webhook_url_tokens.items()
            if token_matches(token.get_secret_value(), given)
        ]
        if not matches:
            raise UnknownAccount("no account has this webhook URL token")
        parsed = parse_timestamp(delivery.timestamp or "")
        sent_at = datetime.fromtimestamp(parsed, UTC) if parsed is not None else None
        return Sender(account_id=matches[0], sent_at=sent_at)

    def _by_signature(self, delivery: RawDelivery, now: datetime) -> Sender:
        secrets = self._settings.chatwoot_webhook_secrets
        if not secrets:
            raise UnknownAccount("no Chatwoot account is configured for webhooks")
        if not delivery.signature:
            raise BadSignature("missing X-Chatwoot-Signature", field="X-Chatwoot-Signature")
        timestamp = parse_timestamp(delivery.timestamp or "")
        if timestamp is None:
            raise BadSignature(
                "missing or malformed X-Chatwoot-Timestamp", field="X-Chatwoot-Timestamp"
            )
        if abs(now.timestamp() - timestamp) > self._settings.webhook_timestamp_window_s:
            raise StaleTimestamp(
                "X-Chatwoot-Timestamp is outside the accepted window",
                field="X-Chatwoot-Timestamp",
            )
        text_timestamp = delivery.timestamp or ""
        for account_id, secret in secrets.items():
            if signature_matches(
                secret.get_secret_value(), text_timestamp, delivery.body, delivery.signature
            ):
                return Sender(account_id=account_id, sent_at=datetime.fromtimestamp(timestamp, UTC))
        raise BadSignature("signature does not match any configured account")


def account_named_in(payload: dict[str, Any]) -> int | None:
    """The account a body names: ``account.id`` (messages, contacts) or ``account_id``."""
    account = payload.get("account")
    if isinstance(account, dict) and isinstance(account.get("id"), int):
        return int(account["id"])
    if isinstance(payload.get("account_id"), int):
        return int(payload["account_id"])
    return None


def check_account(sender: Sender, payload: dict[str, Any]) -> None:
    named = account_named_in(payload)
    if named is not None and named != sender.account_id:
        raise UnknownAccount("the body names another account than the one that signed it")
