"""Delivers webhook bodies to an ingest endpoint the way Chatwoot does: signed, each with its
own delivery id, retried on failure with the same id (at-least-once)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from parley_simulator.signing import signed_headers

WEBHOOK_PATH = "/v1/webhooks/chatwoot"
RETRIES = 8  # with capped backoff: about 9 s, enough to ride out a restart
MAX_BACKOFF_S = 2.0
TIMEOUT_S = 5.0  # Chatwoot's own client timeout


class DeliveryFailed(RuntimeError):
    """The endpoint refused a delivery, or kept failing after every retry."""


@dataclass(frozen=True)
class DeliveryResult:
    status_code: int
    latency_s: float


def account_of(body: Mapping[str, Any]) -> int:
    """The Chatwoot account a webhook body belongs to."""
    account = body.get("account")
    if isinstance(account, Mapping):
        return int(account["id"])
    return int(body["account_id"])


def encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


async def deliver(
    client: httpx.AsyncClient, body: Mapping[str, Any], secrets: Mapping[int, str]
) -> DeliveryResult:
    """POST one signed delivery; retry transport errors and 5xx with the same delivery id."""
    raw = encode(body)
    delivery_id = str(uuid.uuid4())
    secret = secrets[account_of(body)]
    for attempt in range(RETRIES):
        headers = signed_headers(secret, raw, delivery_id=delivery_id)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            response = await client.post(WEBHOOK_PATH, content=raw, headers=headers)
        except httpx.TransportError as error:
            if attempt == RETRIES - 1:
                raise DeliveryFailed(f"delivery failed: {type(error).__name__}") from error
        else:
            if response.status_code < 300:
                return DeliveryResult(response.status_code, loop.time() - started)
            if response.status_code < 500:
                raise DeliveryFailed(f"ingest refused a delivery: {response.text[:300]}")
        await asyncio.sleep(min(MAX_BACKOFF_S, 0.2 * 2**attempt))
    raise DeliveryFailed("ingest kept failing")


async def deliver_all(
    base_url: str,
    bodies: Sequence[Mapping[str, Any]],
    secrets: Mapping[int, str],
    *,
    concurrency: int = 8,
    on_delivered: Callable[[DeliveryResult], None] | None = None,
) -> list[DeliveryResult]:
    """Deliver every body, ``concurrency`` at a time; returns the results in order."""
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT_S) as client:

        async def one(body: Mapping[str, Any]) -> DeliveryResult:
            async with semaphore:
                result = await deliver(client, body, secrets)
            if on_delivered is not None:
                on_delivered(result)
            return result

        return list(await asyncio.gather(*(one(body) for body in bodies)))
