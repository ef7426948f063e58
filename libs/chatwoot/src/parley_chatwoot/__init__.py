"""Chatwoot's REST API as Parley reaches it: ``PARLEY_CHATWOOT_BASE_URL`` and
``PARLEY_CHATWOOT_API_TOKEN``, and the one configured HTTP client (header
``api_access_token``)."""

from parley_chatwoot.http import REQUEST_TIMEOUT_S, configured_http, http_client
from parley_chatwoot.settings import ChatwootApiSettings

__all__ = ["REQUEST_TIMEOUT_S", "ChatwootApiSettings", "configured_http", "http_client"]
