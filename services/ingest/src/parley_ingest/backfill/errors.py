"""Why a backfill stops."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class ChatwootApiError(ParleyError):
    """Chatwoot's REST API refused a request or kept failing after the retries."""

    code = "chatwoot_api_error"
    status = 502


class ChatwootNotFound(ChatwootApiError):
    """Chatwoot answered 404: the object is gone (deleted since)."""

    code = "chatwoot_not_found"


class BackfillNotConfigured(ParleyError):
    code = "backfill_not_configured"
    status = 400
