"""Loads a quality dataset the way production data arrives: every turn as a signed Chatwoot
``message_created`` webhook into the real ingest process, embedded by the real embedder process
(started exactly as ``parley up`` starts them, on the benchmark's own database and a private
RabbitMQ vhost), until every message with text has ready chunks."""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dataset import Conversation
from parley_devstack.rabbitmq import create_vhost, delete_vhost
from parley_schema.settings import ParleyBaseSettings
from parley_simulator.delivery import deliver_all
from parley_simulator.model import Account, Agent, Contact, Inbox, Message
from parley_simulator.model import Conversation as ChatwootConversation
from parley_simulator.payloads import message_event
from parley_testing.stack import running_stack
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ACCOUNT = Account(1, "Quality")
INBOX = Inbox(11, "Support")
AGENT = Agent(1, "Quality Agent", "agent@quality.example")
READY_TIMEOUT_S = 900.0


def webhooks(conversations: list[Conversation]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The deliveries, and Parley's conversation id → the dataset's conversation id."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    bodies: list[dict[str, Any]] = []
    dataset_id_of: dict[str, str] = {}
    message_id = 0
    for number, conversation in enumerate(conversations, start=1):
        chatwoot = ChatwootConversation(
            account=ACCOUNT,
            inbox=INBOX,
            display_id=number,
            contact=Contact(number, f"Customer {number}", None, None),
            assignee=AGENT,
            topic="quality",
            language="en",
            created_at=start + timedelta(hours=number),
        )
        dataset_id_of[f"cw:{ACCOUNT.id}:{number}"] = conversation.id
        for turn in conversation.turns:
            message_id += 1
            incoming = turn.role == "customer"
            message = Message(
                message_id,
                turn.text,
                chatwoot.created_at + timedelta(minutes=message_id),
                incoming=incoming,
                sender=chatwoot.contact if incoming else AGENT,
            )
            bodies.append(message_event("message_created", chatwoot, message))
    return bodies, dataset_id_of


async def _deliver_and_wait(
    ingest_url: str, secrets: dict[int, str], database_url: str, bodies: list[dict[str, Any]]
) -> None:
    await deliver_all(ingest_url, bodies, secrets, concurrency=8)
    expected = [f"cwmsg:{ACCOUNT.id}:{body['id']}" for body in bodies if body["content"].strip()]
    engine = create_async_engine(database_url)
    deadline = time.monotonic() + READY_TIMEOUT_S
    try:
        while True:
            async with engine.connect() as connection:
                ready = await connection.scalar(
                    text(
                        "SELECT count(DISTINCT message_global_id) FROM rag_chunks "
                        "WHERE embedding_status = 'ready' AND message_global_id = ANY(:ids)"
                    ),
                    {"ids": expected},
                )
            if ready == len(expected):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {ready} of {len(expected)} messages became searchable")
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()


def load(database_url: str, conversations: list[Conversation]) -> dict[str, str]:
    """Send the dataset through ingest and the embedder; return the conversation id map."""
    bodies, dataset_id_of = webhooks(conversations)
    vhost, amqp_url = create_vhost(str(ParleyBaseSettings().amqp_url), prefix="parley-quality")
    try:
        with (
            tempfile.TemporaryDirectory(prefix="parley-quality-logs-") as logs,
            running_stack(database_url, amqp_url, Path(logs)) as stack,
        ):
            asyncio.run(
                _deliver_and_wait(stack.url("ingest"), stack.webhook_secrets, database_url, bodies)
            )
    finally:
        delete_vhost(vhost)
    return dataset_id_of
