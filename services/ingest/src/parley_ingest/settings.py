"""Settings of the ingest service (``PARLEY_*`` environment variables)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from parley_authn.settings import SessionSettings
from parley_chatwoot import ChatwootApiSettings
from parley_schema.redaction import DEFAULT_REDACTORS, PhoneRegion, RedactorNames
from parley_schema.settings import load_settings_or_exit
from pydantic import Field, SecretStr, field_validator, model_validator

MIB = 1024 * 1024
HOUR = 3600
DAY = 24 * HOUR
URL_TOKEN_MIN_LENGTH = 32


class IngestSettings(
    SessionSettings, ChatwootApiSettings
):  # the session settings: admins erase through ingest
    # Chatwoot account id -> the webhook's signing secret (JSON map in the environment:
    # PARLEY_CHATWOOT_WEBHOOK_SECRETS='{"1": "..."}'). An account not listed here is unknown.
    chatwoot_webhook_secrets: dict[int, SecretStr] = Field(default_factory=dict)
    # For Chatwoot versions that do not sign: account id -> a secret token that the webhook URL
    # carries (/v1/webhooks/chatwoot/{token}), at least 32 characters. Empty: the token route
    # accepts nothing.
    chatwoot_webhook_url_tokens: dict[int, SecretStr] = Field(default_factory=dict)
    webhook_max_body_bytes: Annotated[int, Field(ge=1024)] = MIB
    # X-Chatwoot-Timestamp may be this far from now, either way (both routes).
    webhook_timestamp_window_s: Annotated[int, Field(ge=1, le=DAY)] = 300
    # A delivery without Chatwoot's delivery id is recognised as a repeat by its body's hash
    # for this long (Chatwoot's retries); after it, an identical body is a new delivery.
    webhook_retry_horizon_s: Annotated[int, Field(ge=60, le=30 * DAY)] = HOUR
    # Housekeeping (every PARLEY_HOUSEKEEPING_INTERVAL_S) deletes delivery keys older than
    # this, and published outbox rows older than the second.
    delivery_key_retention_s: Annotated[int, Field(ge=HOUR, le=365 * DAY)] = 7 * DAY
    outbox_published_retention_s: Annotated[int, Field(ge=60, le=365 * DAY)] = 3 * DAY

    # The outbox relay inside the ingest process.
    outbox_batch_size: Annotated[int, Field(ge=1, le=5000)] = 200
    outbox_poll_interval_s: Annotated[float, Field(gt=0)] = 1.0
    outbox_max_backoff_s: Annotated[float, Field(gt=0)] = 10.0

    # Backfill through Chatwoot's REST API (its URL and token: ChatwootApiSettings).
    backfill_concurrency: Annotated[int, Field(ge=1, le=32)] = 4
    backfill_max_retries: Annotated[int, Field(ge=0, le=20)] = 5
    # Contact labels, read through the same REST API (contact_labels/service.py): how often
    # the queue is looked at, how many contacts one run reads, and the request rate.
    contact_labels_interval_s: Annotated[float, Field(gt=0, le=HOUR)] = 5.0
    contact_labels_batch_size: Annotated[int, Field(ge=1, le=10_000)] = 100
    contact_labels_requests_per_s: Annotated[float, Field(gt=0, le=100)] = 5.0

    # Redactors applied to every text and raw object before it is stored (webhooks and
    # backfill): PARLEY_REDACT=card,iban,secret,email,phone; empty turns redaction off.
    redact: RedactorNames = Field(default_factory=lambda: list(DEFAULT_REDACTORS))
    # The region whose national phone formats the phone redactor knows (ISO 3166, e.g. DE);
    # unset: only international numbers (+49 …).
    redact_phone_region: PhoneRegion = None

    # Reconcile (Chatwoot's deletions and merges) every this many seconds; 0: only by hand.
    reconcile_interval_s: Annotated[int, Field(ge=0)] = 0
    # Retention: messages older than this many days are deleted (None: kept forever), unless
    # an administrator set another window for the account (account_retention).
    retention_days: Annotated[int | None, Field(ge=1)] = None
    retention_interval_s: Annotated[int, Field(ge=60)] = HOUR
    retention_batch_size: Annotated[int, Field(ge=1, le=10_000)] = 500
    # After an erasure, rows naming the contact or their conversations are refused this long.
    erasure_quarantine_days: Annotated[int, Field(ge=1, le=3650)] = 30

    # Knowledge base: uploads larger than this are refused (413); the Help Center sync runs
    # every PARLEY_KB_SYNC_INTERVAL_S inside ingest (0: only `parley kb sync`), and draft
    # articles are searchable only with PARLEY_KB_INCLUDE_DRAFTS.
    kb_upload_max_bytes: Annotated[int, Field(ge=1024, le=512 * MIB)] = 20 * MIB
    kb_sync_interval_s: Annotated[int, Field(ge=0)] = 300
    kb_include_drafts: bool = False

    @field_validator("chatwoot_webhook_url_tokens")
    @classmethod
    def _long_url_tokens(cls, tokens: dict[int, SecretStr]) -> dict[int, SecretStr]:
        """A URL token is the delivery's only proof of its sender: long enough not to be
        guessed. The message names the accounts, never a token."""
        short = sorted(
            account for account, token in tokens.items() if len(token) < URL_TOKEN_MIN_LENGTH
        )
        if short:
            raise ValueError(
                f"a URL token must be at least {URL_TOKEN_MIN_LENGTH} characters; shorter for "
                f"account {', '.join(map(str, short))} (make one with: openssl rand -hex 32)"
            )
        return tokens

    @model_validator(mode="after")
    def _reconcile_needs_chatwoot(self) -> IngestSettings:
        if self.reconcile_interval_s and (
            self.chatwoot_base_url is None or self.chatwoot_api_token is None
        ):
            raise ValueError(
                "PARLEY_RECONCILE_INTERVAL_S needs PARLEY_CHATWOOT_BASE_URL and "
                "PARLEY_CHATWOOT_API_TOKEN"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> IngestSettings:
    return load_settings_or_exit(IngestSettings)
