"""Two embedder processes on one queue; one is killed with SIGKILL mid-run and restarted.
Every message must end with ready chunks, none duplicated, none missing, nothing dead-lettered.

The processes embed through the OpenAI-compatible fake (20 ms per request): with the real
model, 2,000 messages take about 30 s of both shared cores before any fault, which would
make this test slow and its timing depend on the other suites running; the crash-recovery
paths under test (redelivery, claims, the sweeper) are the same for every provider.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import aio_pika
import httpx
import pytest
from parley_embedder_testkit import Publisher, Rows, upserted
from parley_embeddings.testing.fake_openai_server import FakeOpenAIServer, FakeServerState
from parley_schema.events import EMBEDDER_DLQ, EMBEDDER_QUEUE
from parley_schema.models import EmbeddingStatus, RagChunk
from parley_testing.postgres import free_port
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

MESSAGES = 2_000
BATCH = 32


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(FakeServerState(dimension=384, latency_s=0.02)) as server:
        yield server


class Replicas:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, *, metrics_port: int = 0) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "faststream", "run", "parley_embedder.main:app"],
            env={**os.environ, **self.env, "PARLEY_METRICS_PORT": str(metrics_port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def replicas(
    database_url: str, module_amqp_url: str, fake_server: FakeOpenAIServer
) -> Iterator[Replicas]:
    group = Replicas(
        {
            "PARLEY_DATABASE_URL": database_url,
            "PARLEY_AMQP_URL": module_amqp_url,
            "PARLEY_EMBEDDING_PROVIDER": "openai",
            "PARLEY_EMBEDDING_MODEL": "fake-embed",
            "PARLEY_OPENAI_BASE_URL": fake_server.base_url,
            "PARLEY_BATCH_SIZE": str(BATCH),
            "PARLEY_STUCK_AFTER_S": "3",
            "PARLEY_SWEEP_INTERVAL_S": "1",
            "PARLEY_LOG_LEVEL": "WARNING",
            "PARLEY_LOG_FORMAT": "json",
        }
    )
    yield group
    group.stop_all()


async def consumers(connection: aio_pika.abc.AbstractConnection) -> int:
    """Consumers on the embedder queue (0 before it exists; a failed passive declare closes
    its channel, hence a channel per look)."""
    try:
        async with connection.channel() as channel:
            queue = await channel.declare_queue(EMBEDDER_QUEUE, passive=True)
            return int(queue.declaration_result.consumer_count or 0)
    except aio_pika.exceptions.ChannelClosed:
        return 0


async def wait_for_consumers(
    connection: aio_pika.abc.AbstractConnection, count: int, *, timeout_s: float = 60
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if await consumers(connection) >= count:
            return
        assert time.monotonic() < deadline, f"fewer than {count} embedder consumers"
        await asyncio.sleep(0.2)


async def ready_count(engine: AsyncEngine, account_id: int) -> int:
    async with AsyncSession(engine) as session:
        statement = select(func.count()).where(
            RagChunk.account_id == account_id, RagChunk.embedding_status == EmbeddingStatus.READY
        )
        return int((await session.execute(statement)).scalar_one())


async def test_killing_a_replica_mid_run_loses_and_duplicates_nothing(
    rows: Rows,
    replicas: Replicas,
    module_amqp_url: str,
    db_engine: AsyncEngine,
    fake_server: FakeOpenAIServer,
) -> None:
    texts = [
        f"Ticket {i}: my order #{1000 + i} arrived damaged, please help" for i in range(MESSAGES)
    ]
    messages = await rows.messages(texts)
    await rows.register_only_model("fake-embed")
    metrics_port = free_port()
    victim = replicas.start()
    replicas.start(metrics_port=metrics_port)

    connection = await aio_pika.connect(module_amqp_url)
    channel = await connection.channel()
    await wait_for_consumers(connection, 2)
    await Publisher(channel).events([upserted(message) for message in messages])

    deadline = time.monotonic() + 60
    while await ready_count(db_engine, rows.account_id) < MESSAGES // 10:
        assert time.monotonic() < deadline, "no progress before the kill"
        await asyncio.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    killed_at = await ready_count(db_engine, rows.account_id)
    replicas.start()

    await rows.wait_until_ready(messages, timeout_s=90)

    async with AsyncSession(db_engine) as session:
        per_message = (
            await session.execute(
                select(RagChunk.message_global_id, func.count(), func.count(RagChunk.embedding))
                .where(RagChunk.account_id == rows.account_id)
                .group_by(RagChunk.message_global_id)
            )
        ).all()
    assert len(per_message) == MESSAGES  # none missing
    assert {(count, vectors) for _, count, vectors in per_message} == {(1, 1)}  # no duplicates
    assert killed_at < MESSAGES  # the kill happened mid-run

    dlq = await channel.declare_queue(EMBEDDER_DLQ, passive=True)
    assert dlq.declaration_result.message_count == 0
    await connection.close()

    async with httpx.AsyncClient() as client:
        scraped = (await client.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
    assert "parley_embedder_batch_texts_count" in scraped
    assert "parley_embedder_chunks_embedded_total" in scraped
    embedded = sum(len(request["input"]) for request in fake_server.state.requests)
    logging.getLogger(__name__).info(
        "fault test: %d/%d ready at the kill, %d texts embedded", killed_at, MESSAGES, embedded
    )
