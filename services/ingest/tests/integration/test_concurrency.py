"""Concurrent webhooks about the same new conversation and contact, against the real app
(committing sessions): every one is stored, none fails on the rows they all create.

Each new row has two unique keys (the global id and Chatwoot's account + id); two inserts
that pass ``ON CONFLICT``'s pre-check together used to fail on the key that was not the
conflict target (seen as 500s in the chaos test). The race is narrow, hence bursts."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from parley_ingest.settings import IngestSettings
from parley_ingest_testkit import RunningApp
from parley_schema.models import CwContact, CwConversation, CwMessage
from parley_simulator.load import customer_message, unique_word
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

MESSAGES = 16
ROUNDS = 8  # the race (two inserts passing the conflict pre-check together) is narrow


async def test_first_messages_of_a_new_conversation_arriving_together_are_all_stored(
    settings_for: Callable[..., IngestSettings],
    running_app: RunningApp,
    amqp_url: str,
    make_signed_headers: Callable[..., dict[str, str]],
    db_engine: AsyncEngine,
) -> None:
    rng = random.Random(9)
    now = datetime.now(UTC)
    bodies = [
        customer_message(
            7_000 + round_,
            900_000 + round_ * MESSAGES + i,
            unique_word(rng, "c"),
            rng,
            started_at=now,
            sent_at=now,
        )
        for round_ in range(ROUNDS)
        for i in range(MESSAGES)
    ]
    async with running_app(settings_for(amqp_url)) as client:

        async def post(body: dict[str, object]) -> int:
            raw = json.dumps(body).encode()
            headers = make_signed_headers(raw, timestamp=int(time.time()))
            response = await client.post("/v1/webhooks/chatwoot", content=raw, headers=headers)
            return response.status_code

        statuses = []
        for round_ in range(ROUNDS):
            burst = bodies[round_ * MESSAGES : (round_ + 1) * MESSAGES]
            statuses += await asyncio.gather(*(post(body) for body in burst))

    assert statuses == [200] * (ROUNDS * MESSAGES)
    async with db_engine.connect() as connection:
        messages = await connection.scalar(
            select(func.count()).where(CwMessage.message_id >= 900_000)
        )
        contacts = await connection.scalar(
            select(func.count()).where(CwContact.contact_id >= 107_000)
        )
        conversations = await connection.scalar(
            select(func.count()).where(CwConversation.conversation_id > 7_000)
        )
    assert (messages, contacts, conversations) == (ROUNDS * MESSAGES, ROUNDS, ROUNDS)
