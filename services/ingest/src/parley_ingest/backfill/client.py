"""Chatwoot's REST API as the backfill reads it (header ``api_access_token``).

- ``GET /api/v1/accounts/{account}/conversations?status=all&page=N[&inbox_id=I]``:
  ``{"data": {"meta": {"all_count": …}, "payload": [conversation, …]}}``, 25 a page.
- ``GET …/conversations/{display_id}/messages[?before=<message id>]``:
  ``{"meta": {…}, "payload": [message, …]}``, the 20 messages before ``before`` (the newest 20
  without it), oldest first.
- ``GET …/contacts?page=N``: ``{"meta": {"count": …}, "payload": [contact, …]}``, 15 a page,
  only contacts with an e-mail address or a phone number (Chatwoot's ``resolved_contacts``).
- ``GET …/contacts/{id}/labels``: ``{"payload": ["label", …]}`` (``LabelConcern#index``);
  404 when the contact is gone.
- Help Center (``parley kb sync``): ``GET …/portals`` ``{"payload": [portal, …], "meta"}``;
  ``GET …/portals/{slug}/articles?page=N`` ``{"payload": [article, …], "meta":
  {"current_page", "articles_count", …}}``, every locale and status unless asked, newest
  ``updated_at`` first (``ArticlesController#index``: ``order_by_updated_at`` without a
  category), 25 a page; ``GET …/portals/{slug}/articles/{id}`` ``{"payload": article}``.
- Reconcile also asks for single objects, 404 when Chatwoot no longer has them:
  ``GET …/conversations/{display_id}`` (the conversation itself) and ``GET …/contacts/{id}``
  (``{"payload": contact}``).

A 429 is retried after its ``Retry-After`` (seconds or an HTTP date, at most
:data:`MAX_RETRY_AFTER_S`); 5xx responses and transport errors are retried after Parley's one
backoff policy (:class:`parley_schema.retrying.Backoff`); other errors stop the backfill.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import structlog
from parley_chatwoot import configured_http
from parley_schema.errors import ParleyError
from parley_schema.retrying import Backoff, retry_after_seconds

from parley_ingest.backfill.errors import ChatwootApiError, ChatwootNotFound
from parley_ingest.settings import IngestSettings

log = structlog.get_logger(__name__)

# A rate-limited backfill waits as long as Chatwoot asks, but never longer than this: a
# misconfigured proxy answering "Retry-After: 86400" must not stall a run for a day.
MAX_RETRY_AFTER_S = 120.0
# ``Backoff`` caps every wait at ``max_s``, a server's Retry-After included.
DEFAULT_BACKOFF = Backoff(base_s=0.5, max_s=MAX_RETRY_AFTER_S)


@dataclass(frozen=True)
class ConversationPage:
    conversations: list[dict[str, Any]]
    all_count: int | None


class ChatwootClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        max_retries: int,
        backoff: Backoff = DEFAULT_BACKOFF,
    ) -> None:
        self._http = http
        self._max_retries = max_retries
        self._backoff = backoff

    async def conversations(
        self, account_id: int, *, page: int, inbox_id: int | None
    ) -> ConversationPage:
        params: dict[str, str | int] = {"status": "all", "page": page}
        if inbox_id is not None:
            params["inbox_id"] = inbox_id
        body = await self._get(f"/api/v1/accounts/{account_id}/conversations", params)
        data = body.get("data") or {}
        payload = data.get("payload") or []
        meta = data.get("meta") or {}
        all_count = meta.get("all_count")
        return ConversationPage(
            conversations=[item for item in payload if isinstance(item, dict)],
            all_count=all_count if isinstance(all_count, int) else None,
        )

    async def messages(
        self, account_id: int, conversation_id: int, *, before: int | None
    ) -> list[dict[str, Any]]:
        params: dict[str, str | int] = {} if before is None else {"before": before}
        body = await self._get(
            f"/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages", params
        )
        return [item for item in body.get("payload") or [] if isinstance(item, dict)]

    async def contacts(self, account_id: int, *, page: int) -> list[dict[str, Any]]:
        body = await self._get(f"/api/v1/accounts/{account_id}/contacts", {"page": page})
        return [item for item in body.get("payload") or [] if isinstance(item, dict)]

    async def contact_labels(self, account_id: int, contact_id: int) -> list[str]:
        """The contact's labels (ChatwootNotFound: the contact is gone)."""
        body = await self._get(f"/api/v1/accounts/{account_id}/contacts/{contact_id}/labels", {})
        payload = body.get("payload")
        if not isinstance(payload, list):
            raise ChatwootApiError("GET contact labels: unexpected response shape")
        return sorted({label for label in payload if isinstance(label, str) and label})

    async def portals(self, account_id: int) -> list[dict[str, Any]]:
        body = await self._get(f"/api/v1/accounts/{account_id}/portals", {})
        return [item for item in body.get("payload") or [] if isinstance(item, dict)]

    async def articles(
        self, account_id: int, portal_slug: str, *, page: int
    ) -> list[dict[str, Any]]:
        """One page of the portal's articles (every locale and status), newest first."""
        body = await self._get(
            f"/api/v1/accounts/{account_id}/portals/{quote(portal_slug, safe='')}/articles",
            {"page": page},
        )
        return [item for item in body.get("payload") or [] if isinstance(item, dict)]

    async def article(
        self, account_id: int, portal_slug: str, article_id: int
    ) -> dict[str, Any] | None:
        """One article with its content; None when Chatwoot answers 404 (deleted)."""
        body = await self._find(
            f"/api/v1/accounts/{account_id}/portals/{quote(portal_slug, safe='')}"
            f"/articles/{article_id}"
        )
        if body is None:
            return None
        payload = body.get("payload")
        if not isinstance(payload, dict):
            raise ChatwootApiError("GET article: no payload")
        return payload

    async def conversation(self, account_id: int, conversation_id: int) -> dict[str, Any] | None:
        """One conversation by display id; None when Chatwoot answers 404 (deleted)."""
        return await self._find(f"/api/v1/accounts/{account_id}/conversations/{conversation_id}")

    async def contact(self, account_id: int, contact_id: int) -> dict[str, Any] | None:
        """One contact; None when Chatwoot answers 404 (deleted, or merged into another)."""
        body = await self._find(f"/api/v1/accounts/{account_id}/contacts/{contact_id}")
        if body is None:
            return None
        payload = body.get("payload")
        if not isinstance(payload, dict):
            raise ChatwootApiError(f"GET /api/v1/accounts/{account_id}/contacts/…: no payload")
        return payload

    async def _find(self, path: str) -> dict[str, Any] | None:
        response = await self._send(path, {})
        if response.status_code == 404:
            return None
        return self._body(path, response)

    async def _get(self, path: str, params: dict[str, str | int]) -> dict[str, Any]:
        return self._body(path, await self._send(path, params))

    @staticmethod
    def _body(path: str, response: httpx.Response) -> dict[str, Any]:
        if response.status_code == 404:
            raise ChatwootNotFound(f"GET {path}: HTTP 404")
        if response.status_code != 200:
            raise ChatwootApiError(f"GET {path}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise ChatwootApiError(f"GET {path}: the response is not JSON") from error
        if not isinstance(body, dict):
            raise ChatwootApiError(f"GET {path}: unexpected response shape")
        return body

    async def _send(self, path: str, params: dict[str, str | int]) -> httpx.Response:
        """The answer after the retries (429, 5xx, transport errors); any status."""
        attempts = self._max_retries + 1
        for attempt in range(1, attempts + 1):
            last_attempt = attempt == attempts
            try:
                response = await self._http.get(path, params=params)
            except httpx.TransportError as error:
                if last_attempt:
                    raise ChatwootApiError(f"GET {path}: {type(error).__name__}") from error
                await asyncio.sleep(self._backoff.delay(attempt))
                continue
            if response.status_code == 429 and not last_attempt:
                asked = retry_after_seconds(response.headers.get("retry-after"))
                wait = self._backoff.delay(
                    attempt, None if asked is None else min(asked, MAX_RETRY_AFTER_S)
                )
                log.info("chatwoot_rate_limited", path=path, wait_s=wait)
                await asyncio.sleep(wait)
                continue
            if response.status_code >= 500 and not last_attempt:
                await asyncio.sleep(self._backoff.delay(attempt))
                continue
            return response
        raise ChatwootApiError(f"GET {path}: no attempt was made")


@contextlib.asynccontextmanager
async def configured_client(
    settings: IngestSettings, *, not_configured: type[ParleyError], purpose: str
) -> AsyncIterator[ChatwootClient]:
    """The client of PARLEY_CHATWOOT_BASE_URL with PARLEY_CHATWOOT_API_TOKEN, open for the
    block; ``not_configured`` (saying what to set to ``purpose``) when either is missing."""
    async with configured_http(settings, not_configured=not_configured, purpose=purpose) as http:
        yield ChatwootClient(http, max_retries=settings.backfill_max_retries)
