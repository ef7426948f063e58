"""Retries, permanent failures, vector reuse and concurrent replicas, with the embedding
server replaced by a local OpenAI-compatible fake (real HTTP)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from parley_embedder.consumer.service import Outcome
from parley_embedder.runtime import EmbedderRuntime, provider_from
from parley_embedder.settings import EmbedderSettings
from parley_embedder.sweeper.service import requeue_service
from parley_embedder_testkit import Rows, fake_model_settings
from parley_embeddings.testing.fake_openai_server import FakeOpenAIServer, ScriptedFailure
from parley_schema.models import EmbeddingStatus


@pytest.fixture
async def settings(
    database_url: str, fake_openai: FakeOpenAIServer, rows: Rows
) -> EmbedderSettings:
    await rows.register_only_model("fake-embed")
    return fake_model_settings(
        database_url,
        fake_openai,
        batch_wait_ms=20,
        retry_base_s=0.01,
        retry_max_s=0.5,
        embed_max_attempts=3,
    )


@pytest.fixture
async def runtime(settings: EmbedderSettings) -> AsyncIterator[EmbedderRuntime]:
    runtime = EmbedderRuntime.build(settings, provider_from(settings))
    yield runtime
    await runtime.after_broker_stop()


def embedded_texts(server: FakeOpenAIServer) -> list[str]:
    return [text for request in server.state.requests for text in request["input"]]


class TestReuse:
    async def test_identical_text_reuses_the_stored_vector_without_a_model_call(
        self, runtime: EmbedderRuntime, rows: Rows, fake_openai: FakeOpenAIServer
    ) -> None:
        text = "Thanks, that solved it! reuse-test"
        first, second = await rows.message(text), await rows.message(text)
        await runtime.pipeline.sync_message(first.id)
        await runtime.pipeline.sync_message(second.id)
        assert embedded_texts(fake_openai) == [text]
        [a], [b] = await rows.chunks(first), await rows.chunks(second)
        assert b.embedding_status == "ready"
        assert b.embedding_attempts == 0
        assert list(b.embedding) == list(a.embedding)  # type: ignore[arg-type]

    async def test_a_vector_of_another_model_is_not_reused(
        self, settings: EmbedderSettings, rows: Rows, fake_openai: FakeOpenAIServer
    ) -> None:
        text = "Same words, other model"
        first = await rows.message(text)
        await rows.register_only_model("fake-embed-v2")
        other = EmbedderRuntime.build(
            settings.model_copy(update={"embedding_model": "fake-embed-v2"}),
            provider_from(settings.model_copy(update={"embedding_model": "fake-embed-v2"})),
        )
        await other.pipeline.sync_message(first.id)
        await other.after_broker_stop()
        await rows.register_only_model("fake-embed")
        runtime = EmbedderRuntime.build(settings, provider_from(settings))
        await runtime.pipeline.sync_message(first.id)
        await runtime.after_broker_stop()
        assert embedded_texts(fake_openai) == [text, text]
        [chunk] = await rows.chunks(first)
        assert (chunk.embedding_model, chunk.embedding_status) == ("fake-embed", "ready")


class TestBatching:
    async def test_concurrent_messages_share_one_model_call(
        self, settings: EmbedderSettings, rows: Rows, fake_openai: FakeOpenAIServer
    ) -> None:
        settings = settings.model_copy(update={"batch_size": 10, "batch_wait_ms": 10_000})
        runtime = EmbedderRuntime.build(settings, provider_from(settings))
        messages = [await rows.message(f"batch message {i}") for i in range(10)]
        outcomes = await asyncio.gather(*(runtime.pipeline.sync_message(m.id) for m in messages))
        await runtime.after_broker_stop()
        assert set(outcomes) == {Outcome.ACK}
        assert len(fake_openai.state.requests) == 1  # the batch filled long before the deadline
        assert sorted(embedded_texts(fake_openai)) == sorted(
            f"batch message {i}" for i in range(10)
        )

    @pytest.mark.parametrize("calls_in_flight", [1, 2])
    async def test_model_calls_overlap_up_to_the_limit(
        self,
        settings: EmbedderSettings,
        rows: Rows,
        fake_openai: FakeOpenAIServer,
        calls_in_flight: int,
    ) -> None:
        fake_openai.state.latency_s = 0.3
        settings = settings.model_copy(
            update={"batch_size": 2, "batch_wait_ms": 0, "embed_calls_in_flight": calls_in_flight}
        )
        runtime = EmbedderRuntime.build(settings, provider_from(settings))
        messages = [
            await rows.message(f"overlapping call {i} of run {calls_in_flight}") for i in range(8)
        ]
        outcomes = await asyncio.gather(*(runtime.pipeline.sync_message(m.id) for m in messages))
        await runtime.after_broker_stop()
        assert set(outcomes) == {Outcome.ACK}
        assert fake_openai.state.most_in_flight == calls_in_flight
        for message in messages:
            assert [chunk.embedding_status for chunk in await rows.chunks(message)] == ["ready"]


class TestFailures:
    async def test_rate_limits_are_retried_after_retry_after(
        self, runtime: EmbedderRuntime, rows: Rows, fake_openai: FakeOpenAIServer
    ) -> None:
        fake_openai.fail_next(ScriptedFailure(429, retry_after="0.2"), ScriptedFailure(503))
        message = await rows.message("rate limited once")
        started = asyncio.get_running_loop().time()
        assert await runtime.pipeline.sync_message(message.id) is Outcome.ACK
        assert asyncio.get_running_loop().time() - started >= 0.2
        [chunk] = await rows.chunks(message)
        assert (chunk.embedding_status, chunk.embedding_attempts) == ("ready", 1)

    async def test_exhausted_retries_fail_the_chunks_and_dead_letter(
        self, runtime: EmbedderRuntime, rows: Rows, fake_openai: FakeOpenAIServer
    ) -> None:
        fake_openai.fail_next(*[ScriptedFailure(503)] * 3)
        message = await rows.message("server down")
        assert await runtime.pipeline.sync_message(message.id) is Outcome.DEAD_LETTER
        [chunk] = await rows.chunks(message)
        assert chunk.embedding_status == "failed"
        assert chunk.embedding_error is not None
        assert chunk.embedding_error.startswith(
            "embedding_unavailable: embedding server answered 503"
        )

    async def test_a_permanent_error_fails_at_once(
        self, runtime: EmbedderRuntime, rows: Rows, fake_openai: FakeOpenAIServer
    ) -> None:
        fake_openai.fail_next(ScriptedFailure(400, message="input too long"))
        message = await rows.message("rejected by the server")
        assert await runtime.pipeline.sync_message(message.id) is Outcome.DEAD_LETTER
        [chunk] = await rows.chunks(message)
        assert chunk.embedding_status == "failed"
        assert "input too long" in (chunk.embedding_error or "")
        assert len(fake_openai.state.requests) == 0

    async def test_a_permanent_error_does_not_fail_batch_neighbours(
        self, runtime: EmbedderRuntime, rows: Rows, fake_openai: FakeOpenAIServer
    ) -> None:
        messages = [await rows.message(f"neighbour {i}") for i in range(4)]
        fake_openai.fail_next(ScriptedFailure(400), ScriptedFailure(400))
        outcomes = await asyncio.gather(*(runtime.pipeline.sync_message(m.id) for m in messages))
        # the batch fails, then each message alone: the first alone fails too, the rest pass
        assert outcomes.count(Outcome.DEAD_LETTER) == 1
        assert outcomes.count(Outcome.ACK) == 3

    async def test_a_failed_chunk_is_retried_by_the_next_event(
        self, runtime: EmbedderRuntime, rows: Rows, fake_openai: FakeOpenAIServer
    ) -> None:
        fake_openai.fail_next(ScriptedFailure(401))
        message = await rows.message("try again later")
        await runtime.pipeline.sync_message(message.id)
        assert await runtime.pipeline.sync_message(message.id) is Outcome.ACK
        [chunk] = await rows.chunks(message)
        assert (chunk.embedding_status, chunk.embedding_attempts, chunk.embedding_error) == (
            "ready",
            2,
            None,
        )


class TestConcurrentReplicas:
    async def test_two_replicas_never_embed_the_same_chunk(
        self, settings: EmbedderSettings, rows: Rows, fake_openai: FakeOpenAIServer
    ) -> None:
        fake_openai.state.latency_s = 0.05
        replicas = [EmbedderRuntime.build(settings, provider_from(settings)) for _ in range(2)]
        messages = [await rows.message(f"contended message {i}") for i in range(20)]
        await asyncio.gather(
            *(r.pipeline.sync_message(m.id) for m in messages for r in replicas for _ in range(2))
        )
        for replica in replicas:
            await replica.after_broker_stop()
        texts = embedded_texts(fake_openai)
        assert sorted(texts) == sorted(f"contended message {i}" for i in range(20))
        for message in messages:
            assert [c.embedding_status for c in await rows.chunks(message)] == ["ready"]


class TestSweeper:
    async def test_stuck_chunks_go_back_to_pending_with_an_event(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        message = await rows.message("stuck after a crash")
        await runtime.pipeline.sync_message(message.id)
        await rows.set_chunks(message, embedding_status=EmbeddingStatus.PROCESSING)
        async with runtime.sessions() as session, session.begin():
            events = await requeue_service.take_stuck(
                session, stuck_after=timedelta(0), limit=10_000
            )
        mine = [e for e in events if e.data.get("message_global_id") == message.id]
        assert [e.type for e in mine] == ["message.upserted.v1"]
        assert mine[0].account_id == rows.account_id
        [chunk] = await rows.chunks(message)
        assert chunk.embedding_status == "pending"
        assert await runtime.pipeline.sync_message(message.id) is Outcome.ACK
        assert [c.embedding_status for c in await rows.chunks(message)] == ["ready"]
