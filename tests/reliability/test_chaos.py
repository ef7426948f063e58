"""Reliability: 5,000 messages replayed through every real process while an embedder is
SIGKILLed and restarted, RabbitMQ is restarted and Postgres is restarted. Afterwards every
message is searchable exactly once and nothing is left in the dead-letter queue."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from parley_cli.client import SearchClient, create_user, provision_token
from parley_devstack.embedded_db import EmbeddedDatabase
from parley_devstack.rabbitmq_node import RabbitMQNode
from parley_schema.events import EMBEDDER_DLQ, EMBEDDER_QUEUE
from parley_simulator.delivery import deliver_all
from parley_simulator.load import customer_message, unique_word
from parley_testing.postgres import private_server
from parley_testing.stack import Stack, running_stack
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
MESSAGES = 5000
PER_CONVERSATION = 20
SETTLE_TIMEOUT_S = 420.0
VERIFY_SAMPLE = 25


def _deliveries() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """5,000 message_created webhooks; and each message id's unique word."""
    rng = random.Random(5)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    bodies, words = [], {}
    for index in range(MESSAGES):
        word = unique_word(rng, "chaos")
        message_id = 100_000 + index
        bodies.append(
            customer_message(
                index // PER_CONVERSATION,
                message_id,
                word,
                rng,
                started_at=start,
                sent_at=start + timedelta(seconds=index),
            )
        )
        words[f"cwmsg:1:{message_id}"] = word
    return bodies, words


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[EmbeddedDatabase]:
    with private_server(tmp_path / "pg", options=None) as server:
        yield server


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[RabbitMQNode]:
    (tmp_path / "rabbit").mkdir()
    node = RabbitMQNode(tmp_path / "rabbit")
    node.start()
    yield node
    node.kill()


class Progress:
    """Counts deliveries and signals when the count passes each milestone."""

    def __init__(self, milestones: tuple[float, ...]) -> None:
        self.count = 0
        self.passed = {fraction: asyncio.Event() for fraction in milestones}

    def delivered(self, _: object) -> None:
        self.count += 1
        for fraction, event in self.passed.items():
            if self.count >= fraction * MESSAGES:
                event.set()


@pytest.fixture
def stack(postgres: EmbeddedDatabase, broker: RabbitMQNode, tmp_path: Path) -> Iterator[Stack]:
    """Every service, with two embedder replicas, on the private database and broker."""
    logs = tmp_path / "logs"
    logs.mkdir()
    with running_stack(postgres.url("parley"), broker.url, logs, embedders=2) as stack:
        yield stack


async def _chaos(
    stack: Stack, postgres: EmbeddedDatabase, broker: RabbitMQNode, progress: Progress
) -> list[str]:
    """Each fault once, as the delivery passes 20 %, 45 % and 70 %."""
    log = []
    await progress.passed[0.2].wait()
    await asyncio.to_thread(stack.kill, "embedder")
    log.append(f"SIGKILL embedder at {progress.count}")
    await asyncio.sleep(2)
    await asyncio.to_thread(stack.restart, "embedder")
    await progress.passed[0.45].wait()
    await asyncio.to_thread(broker.restart)
    log.append(f"RabbitMQ restarted at {progress.count}")
    await progress.passed[0.7].wait()
    await asyncio.to_thread(postgres.stop)
    await asyncio.sleep(1)
    await asyncio.to_thread(postgres.start)
    log.append(f"Postgres restarted at {progress.count}")
    return log


async def _settled(database_url: str, expected: set[str]) -> dict[str, Any]:
    engine = create_async_engine(database_url, pool_pre_ping=True)
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    try:
        while True:
            async with engine.connect() as connection:
                ready = await connection.scalar(
                    text(
                        "SELECT count(DISTINCT message_global_id) FROM rag_chunks "
                        "WHERE embedding_status = 'ready' AND message_global_id = ANY(:ids)"
                    ),
                    {"ids": list(expected)},
                )
                if ready == len(expected) or time.monotonic() > deadline:
                    rows = await connection.execute(
                        text(
                            "SELECT message_global_id, array_agg(chunk_index ORDER BY chunk_index),"
                            " bool_and(embedding_status = 'ready') FROM rag_chunks"
                            " GROUP BY message_global_id"
                        )
                    )
                    unpublished = await connection.scalar(
                        text("SELECT count(*) FROM event_outbox WHERE published_at IS NULL")
                    )
                    return {
                        "chunks": {row[0]: (list(row[1]), row[2]) for row in rows},
                        "unpublished": unpublished,
                    }
            await asyncio.sleep(1)
    finally:
        await engine.dispose()


async def _trace(database_url: str, ids: list[str], amqp_url: str) -> dict[str, Any]:
    """Where messages without chunks got to: their rows, their outbox events, the queues."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as database:
            rows = await database.execute(
                text("SELECT id, deleted_at IS NOT NULL FROM cw_messages WHERE id = ANY(:ids)"),
                {"ids": ids},
            )
            events = await database.execute(
                text(
                    "SELECT payload->'data'->>'message_global_id', routing_key, attempts,"
                    " published_at IS NOT NULL, last_error FROM event_outbox"
                    " WHERE payload->'data'->>'message_global_id' = ANY(:ids)"
                ),
                {"ids": ids},
            )
            trace: dict[str, Any] = {
                "rows (id, deleted)": [tuple(row) for row in rows],
                "events (id, key, attempts, published, error)": [tuple(e) for e in events],
            }
    finally:
        await engine.dispose()
    broker = await aio_pika.connect(amqp_url)
    async with broker:
        channel = await broker.channel()
        for name in (EMBEDDER_QUEUE, EMBEDDER_DLQ):
            queue = await channel.declare_queue(name, passive=True)
            trace[f"{name} messages"] = queue.declaration_result.message_count
    return trace


async def _dead_letters(amqp_url: str) -> int:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(EMBEDDER_DLQ, passive=True)
        return int(queue.declaration_result.message_count or 0)


async def test_every_message_is_searchable_exactly_once_after_crashes_and_restarts(
    postgres: EmbeddedDatabase, broker: RabbitMQNode, stack: Stack
) -> None:
    bodies, words = _deliveries()
    database_url = postgres.url("parley")
    progress = Progress((0.2, 0.45, 0.7))
    chaos = asyncio.create_task(_chaos(stack, postgres, broker, progress))
    started = time.monotonic()
    await deliver_all(
        stack.url("ingest"),
        bodies,
        stack.webhook_secrets,
        concurrency=16,
        on_delivered=progress.delivered,
    )
    faults = await chaos
    state = await _settled(database_url, set(words))
    elapsed = time.monotonic() - started
    faults.append(f"all searchable {elapsed:.0f} s after the first delivery")

    chunks = state["chunks"]
    missing = set(words) - set(chunks)
    not_ready = [m for m, (_, ready) in chunks.items() if not ready]
    odd_indexes = [m for m, (indexes, _) in chunks.items() if indexes != list(range(len(indexes)))]
    if missing:
        trace = await _trace(database_url, sorted(missing)[:5], broker.url)
        pytest.fail(f"{len(missing)} messages have no chunks ({faults}): {trace}")
    assert not not_ready, f"{len(not_ready)} messages not ready ({faults})"
    assert not odd_indexes, f"duplicated or stale chunks: {odd_indexes[:5]}"
    assert state["unpublished"] == 0
    assert await _dead_letters(broker.url) == 0

    password = uuid.uuid4().hex
    await create_user(stack.env, "chaos", password)
    token = await provision_token(
        stack.url("auth"), username="chaos", password=password, project="chaos", account_ids=[1]
    )
    client = SearchClient.with_token(stack.url("search-api"), token)
    try:
        for message_id in random.Random(2).sample(sorted(words), VERIFY_SAMPLE):
            result = await client.search(words[message_id], mode="keyword", limit=10)
            found = [hit["message"]["id"] for hit in result["hits"]]
            assert found.count(message_id) == 1, (message_id, found)
    finally:
        await client.close()
