"""What both embedder benchmarks need: a private embedded Postgres (migrated), a private
RabbitMQ vhost, message rows, embedder processes started like ``parley up`` starts them,
publishing and waiting until every message's chunk is ready."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import asyncpg
import httpx
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_devstack.machine import free_port
from parley_devstack.rabbitmq import create_vhost, delete_vhost
from parley_schema import migrate
from parley_schema.events import (
    EMBEDDER_QUEUE,
    EVENTS_EXCHANGE,
    EventEnvelope,
    MessageUpsertedV1,
)
from parley_schema.settings import ParleyBaseSettings

PUBLISH_WINDOW = 500  # confirms in flight at once

OPENERS = [
    "Hi, I ordered the wireless headphones last week",
    "Hello team, my invoice for March",
    "Good morning, since yesterday's update the mobile app",
    "Hey, I'm trying to reset my password but",
    "We were charged twice for the annual plan and",
    "My parcel tracking number",
    "The printer I bought from you",
    "Our company account",
]
PROBLEMS = [
    "still hasn't arrived and the tracking page shows no movement.",
    "shows a different amount than the quote we agreed on.",
    "crashes as soon as I open the settings screen.",
    "the reset link in the email says it has expired.",
    "I can't find how to get a refund for the duplicate charge.",
    "has been stuck in customs for ten days now.",
    "keeps showing error 0x80070005 when I try to print.",
    "cannot add new users, the button is greyed out.",
]
ASKS = [
    "Could you please check what is going on?",
    "Can you help me sort this out today?",
    "What are my options here?",
    "Please let me know if you need my order number.",
    "Thanks in advance for your help!",
]


def support_messages(count: int, *, seed: int = 7) -> list[str]:
    """Customer messages of 20-40 words, varied enough that few texts repeat."""
    rng = random.Random(seed)
    return [
        f"{rng.choice(OPENERS)} {rng.choice(PROBLEMS)} {rng.choice(ASKS)} (ticket {index})"
        for index in range(count)
    ]


@dataclass
class Stack:
    database_url: str
    amqp_url: str

    def env(self, **settings: str) -> dict[str, str]:
        base = {
            "PARLEY_DATABASE_URL": self.database_url,
            "PARLEY_AMQP_URL": self.amqp_url,
            "PARLEY_METRICS_PORT": "0",
            "PARLEY_LOG_LEVEL": "WARNING",
            "PARLEY_LOG_FORMAT": "json",
        }
        return {**os.environ, **base, **{f"PARLEY_{k.upper()}": v for k, v in settings.items()}}


@asynccontextmanager
async def private_stack(
    embedding_model: str | None = None, *, embedding_dim: int = 384
) -> AsyncIterator[Stack]:
    """A throwaway database and vhost, removed afterwards; the database holds
    ``embedding_model`` (default ``PARLEY_EMBEDDING_MODEL``, vectors of ``embedding_dim``),
    the model its embedders run."""
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as directory:
        server = EmbeddedDatabase(Path(directory), free_port(), options=EPHEMERAL_OPTIONS)
        server.start()
        vhost, amqp_url = create_vhost(str(ParleyBaseSettings().amqp_url), prefix="parley-bench")
        try:
            await server.ensure_database("bench")
            url = server.url("bench")
            await asyncio.to_thread(
                migrate.upgrade, url, embedding_dim=embedding_dim, embedding_model=embedding_model
            )
            yield Stack(url, amqp_url)
        finally:
            delete_vhost(vhost)
            server.stop()


def scrape(port: int, metric: str) -> float:
    """One sample's value from an embedder's Prometheus endpoint."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return sum(
        float(line.split()[-1]) for line in text.splitlines() if line.split(" ")[0] == metric
    )


async def insert_messages(database_url: str, texts: list[str], account_id: int) -> list[str]:
    """cw_messages rows as ingest writes them; returns their global ids."""
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    now = datetime.now(UTC)
    ids = [f"cwmsg:{account_id}:{index + 1}" for index in range(len(texts))]
    try:
        await connection.execute(
            "INSERT INTO cw_conversations (id, account_id, conversation_id, inbox_id, data)"
            " VALUES ($1, $2, 1, 1, '{}')",
            f"cw:{account_id}:1",
            account_id,
        )
        await connection.executemany(
            "INSERT INTO cw_messages (id, account_id, message_id, conversation_global_id,"
            " sender_type, private, message_type, content, data, created_at, updated_at)"
            " VALUES ($1, $2, $3, $4, 'contact', false, 'incoming', $5, '{}', $6, $6)",
            [
                (message_id, account_id, index + 1, f"cw:{account_id}:1", text, now)
                for index, (message_id, text) in enumerate(zip(ids, texts, strict=True))
            ],
        )
    finally:
        await connection.close()
    return ids


async def publish(amqp_url: str, ids: list[str], account_id: int) -> None:
    """One ``message.upserted.v1`` per id, persistent and confirmed, many confirms in flight
    at once (as a relay publishing a backlog would), so publishing is not what is measured."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        bodies = []
        for message_id in ids:
            envelope = EventEnvelope.wrap(
                MessageUpsertedV1(
                    message_global_id=message_id,
                    conversation_global_id=f"cw:{account_id}:1",
                    updated_at=datetime.now(UTC),
                    content_sha256=None,
                ),
                account_id=account_id,
                occurred_at=datetime.now(UTC),
            )
            bodies.append((envelope, envelope.model_dump_json().encode()))
        for start in range(0, len(bodies), PUBLISH_WINDOW):
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(  # as the ingest relay publishes them
                            body,
                            content_type="application/json",
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                            message_id=str(envelope.event_id),
                            correlation_id=str(envelope.event_id),
                            type=envelope.type,
                        ),
                        routing_key=envelope.type,
                    )
                    for envelope, body in bodies[start : start + PUBLISH_WINDOW]
                )
            )
    finally:
        await connection.close()


async def wait_ready(database_url: str, account_id: int, count: int, timeout_s: float) -> float:
    """Seconds until ``count`` chunks of the account are ready, polled every 250 ms: often
    enough for runs of a minute, seldom enough that counting takes no CPU from the run."""
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    started = time.perf_counter()
    try:
        while True:
            ready = await connection.fetchval(
                "SELECT count(*) FROM rag_chunks WHERE account_id = $1"
                " AND embedding_status = 'ready'",
                account_id,
            )
            if ready >= count:
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout_s:
                raise TimeoutError(f"{ready}/{count} ready after {timeout_s:.0f}s")
            await asyncio.sleep(0.25)
    finally:
        await connection.close()


async def wait_consumers(amqp_url: str, count: int, timeout_s: float = 180) -> None:
    connection = await aio_pika.connect(amqp_url)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                async with connection.channel() as channel:
                    queue = await channel.declare_queue(EMBEDDER_QUEUE, passive=True)
                    if (queue.declaration_result.consumer_count or 0) >= count:
                        return
            except aio_pika.exceptions.ChannelClosed:
                pass  # not declared yet
            if time.monotonic() > deadline:
                raise TimeoutError(f"fewer than {count} embedder consumers")
            await asyncio.sleep(0.2)
    finally:
        await connection.close()


@contextmanager
def embedders(count: int, env: dict[str, str]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` embedder processes, as ``parley up`` starts one; stopped afterwards."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "faststream", "run", "parley_embedder.main:app"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
