"""Where Chatwoot's REST API is and the token Parley uses there (ingest and search-api)."""

from __future__ import annotations

from parley_schema.settings import ParleyBaseSettings
from pydantic import HttpUrl, SecretStr


class ChatwootApiSettings(ParleyBaseSettings):
    # ingest reads the REST API here (backfill, reconcile, Help Center, contact labels);
    # search-api links hits to conversations, lets only this origin frame the web UI, and
    # posts suggestions here.
    chatwoot_base_url: HttpUrl | None = None
    chatwoot_api_token: SecretStr | None = None  # an agent's or agent bot's access token
