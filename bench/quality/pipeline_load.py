"""Loads a quality dataset the way production data arrives: every turn as a signed Chatwoot
``message_created`` webhook into the real ingest process, embedded by the real embedder process
(started exactly as ``parley up`` starts them, on the benchmark's own database and a private
RabbitMQ vhost), until every message with text has ready chunks. Each conversation's contact
(``dataset.contact_of``) is its Chatwoot contact, shared by conversations with the same
contact, and its status is the conversation's.

``running`` keeps the stack up after loading so that searches go to the started search-api;
``Pipeline.search_api(overrides)`` restarts it with a setting's environment overrides."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dataset import Conversation, contact_numbers, contact_of
from parley_cli.readiness import is_ready
from parley_cli.services import SERVICES
from parley_devstack.rabbitmq import create_vhost, delete_vhost
from parley_schema.settings import ParleyBaseSettings
from parley_simulator.delivery import deliver_all
from parley_simulator.model import Account, Agent, Contact, Inbox, Message
from parley_simulator.model import Conversation as ChatwootConversation
from parley_simulator.payloads import message_event
from parley_testing.stack import Stack, running_stack
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ACCOUNT = Account(1, "Quality")
INBOX = Inbox(11, "Support")
AGENT = Agent(1, "Quality Agent", "agent@quality.example")
READY_TIMEOUT_S = 900.0
SEARCH_API = next(spec for spec in SERVICES if spec.name == "search-api")


def webhooks(conversations: list[Conversation]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The deliveries, and Parley's conversation id → the dataset's conversation id."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    bodies: list[dict[str, Any]] = []
    dataset_id_of: dict[str, str] = {}
    message_id = 0
    contact_number_of = contact_numbers(conversations)
    for number, conversation in enumerate(conversations, start=1):
        contact = contact_of(conversation)
        chatwoot = ChatwootConversation(
            account=ACCOUNT,
            inbox=INBOX,
            display_id=number,
            contact=Contact(contact_number_of[conversation.id], contact.name, contact.email, None),
            assignee=AGENT,
            topic="quality",
            language="en",
            created_at=start + timedelta(hours=number),
            status=conversation.status,
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


@dataclass
class Pipeline:
    stack: Stack
    database_url: str

    def load(self, conversations: list[Conversation]) -> dict[str, str]:
        """Send the dataset through ingest and the embedder; return the conversation id map."""
        bodies, dataset_id_of = webhooks(conversations)
        asyncio.run(
            _deliver_and_wait(
                self.stack.url("ingest"), self.stack.webhook_secrets, self.database_url, bodies
            )
        )
        return dataset_id_of

    @contextmanager
    def search_api(self, overrides: Mapping[str, str]) -> Iterator[str]:
        """search-api restarted with ``overrides`` on top of the stack's environment; yields
        its base URL."""
        base_env = dict(self.stack.env)
        self.stack.processes[SEARCH_API.name].terminate()
        self.stack.processes[SEARCH_API.name].wait()
        self.stack.env = {**base_env, **overrides}
        try:
            self.stack.start(SEARCH_API)
            deadline = time.monotonic() + READY_TIMEOUT_S
            while not asyncio.run(is_ready(SEARCH_API, self.stack.settings)):
                if self.stack.processes[SEARCH_API.name].poll() is not None:
                    raise RuntimeError(f"search-api exited early\n{self.stack.log_tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"search-api not ready\n{self.stack.log_tail()}")
                time.sleep(0.25)
            yield self.stack.url(SEARCH_API.name)
        finally:
            self.stack.env = base_env


@contextmanager
def running(database_url: str, env: Mapping[str, str] | None = None) -> Iterator[Pipeline]:
    """The four services on ``database_url`` and a private RabbitMQ vhost, with ``env`` (e.g.
    the embedding model's settings) on top of the environment."""
    vhost, amqp_url = create_vhost(str(ParleyBaseSettings().amqp_url), prefix="parley-quality")
    try:
        with (
            tempfile.TemporaryDirectory(prefix="parley-quality-logs-") as logs,
            running_stack(
                database_url,
                amqp_url,
                Path(logs),
                extra_env={"PARLEY_LOG_LEVEL": "WARNING", **(env or {})},
            ) as stack,
        ):
            yield Pipeline(stack, database_url)
    finally:
        delete_vhost(vhost)
