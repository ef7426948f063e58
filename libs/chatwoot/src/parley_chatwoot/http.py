"""The HTTP client of Chatwoot's REST API, configured once for every caller."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from parley_schema.errors import ParleyError

from parley_chatwoot.settings import ChatwootApiSettings

REQUEST_TIMEOUT_S = 30.0


def http_client(
    base_url: str, api_token: str, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """A client of ``base_url`` that sends ``api_token`` as Chatwoot's ``api_access_token``."""
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"api_access_token": api_token, "accept": "application/json"},
        timeout=REQUEST_TIMEOUT_S,
        transport=transport,
    )


@contextlib.asynccontextmanager
async def configured_http(
    settings: ChatwootApiSettings, *, not_configured: type[ParleyError], purpose: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The client of PARLEY_CHATWOOT_BASE_URL with PARLEY_CHATWOOT_API_TOKEN, open for the
    block; ``not_configured`` (saying what to set to ``purpose``) when either is missing."""
    if settings.chatwoot_base_url is None or settings.chatwoot_api_token is None:
        raise not_configured(
            f"set PARLEY_CHATWOOT_BASE_URL and PARLEY_CHATWOOT_API_TOKEN to {purpose}"
        )
    async with http_client(
        str(settings.chatwoot_base_url), settings.chatwoot_api_token.get_secret_value()
    ) as http:
        yield http
