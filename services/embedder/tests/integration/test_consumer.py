"""The running consumer against real RabbitMQ (a private vhost) and real Postgres: topology,
ack after commit, dead-lettering of poison and failures, the sweeper."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import pytest
from parley_broker import queue_depth
from parley_embedder.runtime import EmbedderRuntime, provider_from
from parley_embedder_testkit import (
    Publisher,
    Rows,
    deleted,
    fake_model_settings,
    register_only_model,
    upserted,
)
from parley_embeddings.testing.fake_openai_server import (
    FakeOpenAIServer,
    FakeServerState,
    ScriptedFailure,
)
from parley_schema.events import EMBEDDER_DLQ, EMBEDDER_QUEUE, EMBEDDER_QUEUE_ARGUMENTS
from parley_schema.models import EmbeddingStatus
from sqlalchemy.ext.asyncio import create_async_engine


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(FakeServerState(dimension=384)) as server:
        yield server


@pytest.fixture(scope="module")
async def runtime(
    database_url: str, module_amqp_url: str, fake_server: FakeOpenAIServer
) -> AsyncIterator[EmbedderRuntime]:
    settings = fake_model_settings(
        database_url,
        fake_server,
        amqp_url=module_amqp_url,
        batch_wait_ms=20,
        retry_base_s=0.01,
        embed_max_attempts=2,
        stuck_after_s=1.0,
        sweep_interval_s=0.3,
    )
    engine = create_async_engine(database_url)
    await register_only_model(engine, "fake-embed")
    await engine.dispose()
    runtime = EmbedderRuntime.build(settings, provider_from(settings))
    await runtime.start()
    yield runtime
    await runtime.stop()


@pytest.fixture(scope="module")
async def channel(
    module_amqp_url: str, runtime: EmbedderRuntime
) -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    connection = await aio_pika.connect(module_amqp_url)
    yield await connection.channel()
    await connection.close()


@pytest.fixture
def publisher(channel: aio_pika.abc.AbstractChannel) -> Publisher:
    return Publisher(channel)


async def dead_letters(channel: aio_pika.abc.AbstractChannel, *, wait_for: int) -> list[bytes]:
    """Take messages from the DLQ until ``wait_for`` arrived (or 10 s passed)."""
    queue = await channel.declare_queue(EMBEDDER_DLQ, passive=True)
    bodies: list[bytes] = []
    deadline = time.monotonic() + 10
    while len(bodies) < wait_for and time.monotonic() < deadline:
        message = await queue.get(no_ack=True, fail=False)
        if message is None:
            await asyncio.sleep(0.1)
        else:
            bodies.append(message.body)
    return bodies


async def queue_is_settled(channel: aio_pika.abc.AbstractChannel) -> bool:
    """True when the embedder queue holds no ready or unacknowledged message."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        queue = await channel.declare_queue(EMBEDDER_QUEUE, passive=True)
        declared = queue.declaration_result
        if declared.message_count == 0:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_the_queue_has_the_shared_arguments(
    channel: aio_pika.abc.AbstractChannel,
) -> None:
    queue = await channel.declare_queue(
        EMBEDDER_QUEUE, durable=True, arguments=dict(EMBEDDER_QUEUE_ARGUMENTS)
    )
    assert queue.name == EMBEDDER_QUEUE


async def test_a_published_message_ends_ready_and_acked(
    rows: Rows, publisher: Publisher, channel: aio_pika.abc.AbstractChannel
) -> None:
    message = await rows.message("The app crashes on login")
    await publisher.event(upserted(message), correlation_id="req-123")
    await rows.wait_until_ready([message], timeout_s=10)
    assert await queue_is_settled(channel)


async def test_a_delete_event_removes_chunks(rows: Rows, publisher: Publisher) -> None:
    message = await rows.message("Ignore my last message")
    await publisher.event(upserted(message))
    await rows.wait_until_ready([message], timeout_s=10)
    await rows.edit(message, content="", deleted_at=datetime.now(UTC))
    await publisher.event(deleted(message))
    await rows.wait_until_gone(message, timeout_s=10)


async def test_poison_goes_to_the_dead_letter_queue(
    publisher: Publisher, channel: aio_pika.abc.AbstractChannel
) -> None:
    await publisher.raw(b"{not json", "message.upserted.v1")
    assert await dead_letters(channel, wait_for=1) == [b"{not json"]


async def test_an_event_for_a_removed_row_is_acknowledged(
    rows: Rows, publisher: Publisher, channel: aio_pika.abc.AbstractChannel
) -> None:
    """Ingest removes rows (reconcile, retention, erasure) whose events may be in flight."""
    message = await rows.message("soon gone")
    ghost = type(message)("cwmsg:1:999999999", message.conversation_id, message.account_id)
    await publisher.event(upserted(ghost))
    assert await queue_is_settled(channel)
    assert await dead_letters(channel, wait_for=0) == []


async def test_an_unknown_message_event_is_acknowledged_and_ignored(
    rows: Rows, publisher: Publisher, channel: aio_pika.abc.AbstractChannel
) -> None:
    message = await rows.message("archived")
    await publisher.event(upserted(message, event_type="message.archived.v1"))
    assert await queue_is_settled(channel)
    assert await dead_letters(channel, wait_for=0) == []
    assert await rows.chunks(message) == []


async def test_a_permanent_embedding_failure_is_dead_lettered_with_failed_chunks(
    rows: Rows,
    publisher: Publisher,
    channel: aio_pika.abc.AbstractChannel,
    fake_server: FakeOpenAIServer,
) -> None:
    message = await rows.message("the server refuses this")
    fake_server.fail_next(ScriptedFailure(400, message="bad input"))
    await publisher.event(upserted(message))
    [body] = await dead_letters(channel, wait_for=1)
    assert json.loads(body)["data"]["message_global_id"] == message.id
    [chunk] = await rows.chunks(message)
    assert chunk.embedding_status == "failed"


async def test_the_sweeper_requeues_work_a_crashed_replica_left(
    rows: Rows, publisher: Publisher
) -> None:
    message = await rows.message("left behind by a crash")
    await publisher.event(upserted(message))
    await rows.wait_until_ready([message], timeout_s=10)
    await rows.set_chunks(message, embedding_status=EmbeddingStatus.PROCESSING, embedding=None)
    await rows.wait_until_ready([message], timeout_s=10)
    [chunk] = await rows.chunks(message)
    assert chunk.embedding is not None


async def parley(*args: str, env: dict[str, str]) -> str:
    """Run the real ``parley`` command (entry point and all) and return its output."""
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "parley"),
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


@pytest.fixture(scope="module")
def cli_env(database_url: str, module_amqp_url: str) -> dict[str, str]:
    return {"PARLEY_DATABASE_URL": database_url, "PARLEY_AMQP_URL": module_amqp_url}


async def test_retry_failed_queues_failed_chunks_again(
    rows: Rows,
    publisher: Publisher,
    channel: aio_pika.abc.AbstractChannel,
    fake_server: FakeOpenAIServer,
    cli_env: dict[str, str],
) -> None:
    message = await rows.message("failed once, fine now")
    fake_server.fail_next(ScriptedFailure(401))
    await publisher.event(upserted(message))
    assert len(await dead_letters(channel, wait_for=1)) == 1
    output = await parley("embedder", "retry-failed", env=cli_env)
    assert "with failed chunks" in output  # this one, and any an earlier test left failed
    await rows.wait_until_ready([message], timeout_s=10)


async def test_dlq_replay_brings_dead_letters_back(
    rows: Rows,
    publisher: Publisher,
    channel: aio_pika.abc.AbstractChannel,
    fake_server: FakeOpenAIServer,
    cli_env: dict[str, str],
) -> None:
    message = await rows.message("refused once, fine when replayed")
    fake_server.fail_next(ScriptedFailure(401))  # permanent: dead-lettered
    await publisher.event(upserted(message))
    deadline = time.monotonic() + 10
    while "1" not in await parley("embedder", "dlq", "count", env=cli_env):
        assert time.monotonic() < deadline, "the event never reached the DLQ"
    assert "replayed 1 dead-lettered" in await parley("embedder", "dlq", "replay", env=cli_env)
    await rows.wait_until_ready([message], timeout_s=10)


async def test_queue_depths_are_sampled_without_disturbing_consumption(
    runtime: EmbedderRuntime, rows: Rows, publisher: Publisher
) -> None:
    connection = await runtime.broker.connect()
    assert await queue_depth(connection, EMBEDDER_QUEUE) >= 0
    assert await queue_depth(connection, EMBEDDER_DLQ) >= 0
    message = await rows.message("still consuming after sampling")
    await publisher.event(upserted(message))
    await rows.wait_until_ready([message], timeout_s=10)
