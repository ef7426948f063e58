"""Binding the instance owner's Telegram chat, and sending them signup PINs.

Binding: the owner sends ``/start <code>`` to the bot (or opens ``t.me/<bot>?start=<code>``,
which sends the same); ``bind_with_code`` polls ``getUpdates`` for that message and stores
its chat id in ``app_settings``. Signup needs both a bot token and a bound owner (see
``signup.service``).
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.telegram.client import TelegramClient
from parley_auth.telegram.errors import TelegramUnavailable
from parley_auth.telegram.repository import telegram_repository

log = structlog.get_logger(__name__)
POLL_S = 5


def new_bind_code() -> str:
    return secrets.token_hex(4)


def _chat_with_code(updates: list[dict[str, Any]], code: str) -> int | None:
    for update in updates:
        message = update.get("message") or {}
        text = str(message.get("text") or "").strip()
        chat = message.get("chat") or {}
        if text == f"/start {code}" and isinstance(chat.get("id"), int):
            return int(chat["id"])
    return None


class TelegramService:
    """The owner's Telegram chat; ``client`` is None when no bot token is configured."""

    def __init__(self, *, client: TelegramClient | None) -> None:
        self._client = client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    def _bot(self) -> TelegramClient:
        if self._client is None:
            raise TelegramUnavailable("Telegram is not configured (PARLEY_TELEGRAM_BOT_TOKEN)")
        return self._client

    async def bind_with_code(self, session: AsyncSession, code: str, *, wait_s: float) -> int:
        """Wait for ``/start <code>``, store that chat as the owner's and greet it."""
        bot = self._bot()
        deadline = asyncio.get_running_loop().time() + wait_s
        offset: int | None = None
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TelegramUnavailable("no /start message with the code arrived in time")
            updates = await bot.get_updates(
                offset=offset, timeout_s=max(0, min(POLL_S, int(remaining)))
            )
            ids = [u["update_id"] for u in updates if isinstance(u.get("update_id"), int)]
            if ids:
                offset = max(ids) + 1
            chat_id = _chat_with_code(updates, code)
            if chat_id is not None:
                if offset is not None:  # confirm the updates we consumed
                    await bot.get_updates(offset=offset, timeout_s=0)
                return await self.bind(session, chat_id)

    async def bind(self, session: AsyncSession, chat_id: int) -> int:
        await self._bot().send_message(chat_id, "Parley: this chat now receives signup PINs.")
        await telegram_repository.set_owner_chat_id(session, chat_id)
        log.info("telegram_owner_bound")
        return chat_id

    async def owner_chat(self, session: AsyncSession) -> int | None:
        """The owner's chat, when a bot token is configured and the owner has bound it."""
        if self._client is None:
            return None
        return await telegram_repository.owner_chat_id(session)

    async def send_pin(self, chat_id: int, *, username: str, pin: str, minutes: int) -> None:
        await self._bot().send_message(
            chat_id,
            f"Parley signup request from '{username}'. PIN: {pin} (valid {minutes} min). "
            "Give it only to the person you approve.",
        )
        log.info("signup_pin_sent")
