"""A small client for the Telegram Bot API (``https://api.telegram.org/bot<token>/<method>``).

Every reply is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ...,
"description": ...}``. The URL holds the bot token, so it is never logged: httpx's own request
log is silenced in :func:`quiet_http_logs`, and errors name only the method.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import structlog
from pydantic import SecretStr

from parley_auth.telegram.errors import TelegramUnavailable

log = structlog.get_logger(__name__)


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO; a Bot API URL contains the bot token."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


class TelegramClient:
    def __init__(
        self,
        *,
        base_url: str,
        token: SecretStr,
        timeout_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._http = httpx.AsyncClient(timeout=timeout_s, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, payload: dict[str, Any]) -> Any:
        url = f"{self._base_url}/bot{self._token.get_secret_value()}/{method}"
        try:
            response = await self._http.post(url, json=payload)
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("telegram_call_failed", method=method, reason=type(error).__name__)
            raise TelegramUnavailable(f"Telegram {method} failed: unreachable") from None
        if not isinstance(body, dict) or body.get("ok") is not True:
            description = body.get("description") if isinstance(body, dict) else None
            log.warning("telegram_call_failed", method=method, status=response.status_code)
            raise TelegramUnavailable(f"Telegram {method} failed: {description or 'bad reply'}")
        return body.get("result")

    async def send_message(self, chat_id: int, text: str) -> None:
        await self._call("sendMessage", {"chat_id": chat_id, "text": text})

    async def get_updates(self, *, offset: int | None, timeout_s: int) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {"timeout": timeout_s, "allowed_updates": ["message"]}
        if offset is not None:
            payload["offset"] = offset
        result = await self._call("getUpdates", payload)
        return [update for update in result if isinstance(update, dict)] if result else []
