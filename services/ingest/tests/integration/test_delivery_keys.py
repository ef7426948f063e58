"""How long a delivery key marks repeats: Chatwoot's delivery id for as long as keys are kept,
a body's hash only within the webhook retry horizon (real Postgres, each test rolled back)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from parley_schema.models import CwContact, WebhookDelivery
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

CONTACT = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "12_contact_updated.json").read_text()
)
NAME_A = CONTACT["name"]
NAME_B = "Anna Schmidt"

Headers = Callable[..., dict[str, str]]


async def post(
    client: httpx.AsyncClient,
    headers: Headers,
    body: dict[str, Any],
    *,
    sent_at: int,
    delivery_id: str | None = None,
) -> str:
    """POST a signed delivery (without X-Chatwoot-Delivery unless given); its receipt status."""
    raw = json.dumps(body).encode()
    signed = headers(raw, timestamp=sent_at, delivery_id=delivery_id)
    if delivery_id is None:
        del signed["x-chatwoot-delivery"]
    response = await client.post("/v1/webhooks/chatwoot", content=raw, headers=signed)
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def age_delivery_keys(session: AsyncSession, age: timedelta) -> None:
    """Pretend every key was received ``age`` earlier than it was."""
    await session.execute(
        update(WebhookDelivery).values(received_at=WebhookDelivery.received_at - age)
    )


async def contact_name(session: AsyncSession) -> str | None:
    return await session.scalar(select(CwContact.name).where(CwContact.contact_id == 501))


async def test_an_identical_body_after_the_retry_horizon_is_processed_not_dropped(
    client: httpx.AsyncClient, make_signed_headers: Headers, db_session: AsyncSession
) -> None:
    """A contact changed A → B → A: the third body is byte-identical to the first."""
    now = int(time.time())
    changed_back = dict(CONTACT, name=NAME_B)
    assert await post(client, make_signed_headers, CONTACT, sent_at=now - 100) == "stored"
    assert await post(client, make_signed_headers, changed_back, sent_at=now - 50) == "stored"
    await age_delivery_keys(db_session, timedelta(minutes=61))

    assert await post(client, make_signed_headers, CONTACT, sent_at=now) == "stored"
    assert await contact_name(db_session) == NAME_A


async def test_an_identical_body_within_the_retry_horizon_is_a_repeat(
    client: httpx.AsyncClient, make_signed_headers: Headers, db_session: AsyncSession
) -> None:
    now = int(time.time())
    assert await post(client, make_signed_headers, CONTACT, sent_at=now - 100) == "stored"
    await age_delivery_keys(db_session, timedelta(minutes=59))
    assert await post(client, make_signed_headers, CONTACT, sent_at=now) == "duplicate"


async def test_a_delivery_id_marks_repeats_beyond_the_retry_horizon(
    client: httpx.AsyncClient, make_signed_headers: Headers, db_session: AsyncSession
) -> None:
    now = int(time.time())
    first = await post(
        client, make_signed_headers, CONTACT, sent_at=now - 100, delivery_id="delivery-7"
    )
    await age_delivery_keys(db_session, timedelta(days=6))
    again = await post(client, make_signed_headers, CONTACT, sent_at=now, delivery_id="delivery-7")
    assert (first, again) == ("stored", "duplicate")
