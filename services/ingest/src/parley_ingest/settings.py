"""Settings of the ingest service (``PARLEY_*`` environment variables)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from parley_schema.settings import ParleyBaseSettings, load_settings_or_exit
from pydantic import Field, HttpUrl, SecretStr

MIB = 1024 * 1024


class IngestSettings(ParleyBaseSettings):
    # Chatwoot account id -> the webhook's signing secret (JSON map in the environment:
    # PARLEY_CHATWOOT_WEBHOOK_SECRETS='{"1": "..."}'). An account not listed here is unknown.
    chatwoot_webhook_secrets: dict[int, SecretStr] = Field(default_factory=dict)
    # For Chatwoot versions that do not sign: account id -> a secret token that the webhook URL
    # carries (/v1/webhooks/chatwoot/{token}). Empty: the token route accepts nothing.
    chatwoot_webhook_url_tokens: dict[int, SecretStr] = Field(default_factory=dict)
    webhook_max_body_bytes: Annotated[int, Field(ge=1024)] = MIB
    webhook_timestamp_window_s: Annotated[int, Field(ge=1)] = 300

    # The outbox relay inside the ingest process.
    outbox_batch_size: Annotated[int, Field(ge=1, le=5000)] = 200
    outbox_poll_interval_s: Annotated[float, Field(gt=0)] = 1.0
    outbox_max_backoff_s: Annotated[float, Field(gt=0)] = 10.0

    # Backfill through Chatwoot's REST API.
    chatwoot_base_url: HttpUrl | None = None
    chatwoot_api_token: SecretStr | None = None
    backfill_concurrency: Annotated[int, Field(ge=1, le=32)] = 4
    backfill_max_retries: Annotated[int, Field(ge=0, le=20)] = 5


@lru_cache(maxsize=1)
def get_settings() -> IngestSettings:
    return load_settings_or_exit(IngestSettings)
