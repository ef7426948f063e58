"""One message event end to end against real Postgres and the real local model (no broker):
lifecycle, idempotency, edits, deletes, the embedding policy and vector reuse."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from parley_embedder.consumer.service import Outcome
from parley_embedder.runtime import EmbedderRuntime
from parley_embedder.settings import EmbedderSettings
from parley_embedder_testkit import Rows, local_model_settings, upserted
from parley_embeddings.local import LOCAL_MODEL_NAME, LocalProvider
from parley_schema.models import EmbeddingStatus


@pytest.fixture(scope="module")
def settings(database_url: str) -> EmbedderSettings:
    return local_model_settings(database_url, chunk_max_tokens=32)


LONG = " ".join(
    f"Step {i}: the customer restarted the router and the light stayed orange." for i in range(8)
)


class TestNewMessage:
    async def test_gets_a_ready_chunk_with_the_message_filters(
        self, runtime: EmbedderRuntime, rows: Rows, local_provider: LocalProvider
    ) -> None:
        conversation = await rows.conversation(inbox_id=42)
        message = await rows.message(
            "My invoice was charged twice", conversation=conversation, sender_type="contact"
        )
        assert await runtime.pipeline.sync_message(message.id) is Outcome.ACK
        [chunk] = await rows.chunks(message)
        assert chunk.embedding_status == "ready"
        assert chunk.embedding_model == LOCAL_MODEL_NAME
        assert chunk.embedding_attempts == 1
        assert chunk.embedding_error is None
        assert chunk.last_embedded_at is not None
        assert chunk.text == "My invoice was charged twice"
        assert chunk.content_tokens == local_provider.count_tokens(chunk.text)
        assert (chunk.account_id, chunk.inbox_id, chunk.private) == (rows.account_id, 42, False)
        assert (chunk.message_type, chunk.sender_type) == ("incoming", "contact")
        assert chunk.conversation_global_id == conversation
        assert chunk.message_created_at is not None
        [expected] = await local_provider.embed([chunk.text])
        assert chunk.embedding is not None
        assert list(chunk.embedding) == pytest.approx(expected, abs=1e-5)

    async def test_a_long_message_is_chunked_by_model_tokens(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        message = await rows.message(LONG)
        await runtime.pipeline.sync_message(message.id)
        chunks = await rows.chunks(message)
        assert len(chunks) > 2
        assert [c.chunk_index for c in chunks] == list(range(len(chunks)))
        assert all(c.content_tokens is not None and c.content_tokens <= 32 for c in chunks)
        assert {c.embedding_status for c in chunks} == {"ready"}


class TestRedelivery:
    async def test_repeated_delivery_is_a_noop(self, runtime: EmbedderRuntime, rows: Rows) -> None:
        message = await rows.message("Where is my parcel?")
        await runtime.pipeline.sync_message(message.id)
        [before] = await rows.chunks(message)
        for _ in range(3):
            assert await runtime.pipeline.sync_message(message.id) is Outcome.ACK
        [after] = await rows.chunks(message)
        assert (after.id, after.embedding_attempts, after.last_embedded_at) == (
            before.id,
            1,
            before.last_embedded_at,
        )

    async def test_unchanged_chunks_take_the_rows_current_filters(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        conversation = await rows.conversation(inbox_id=1)
        message = await rows.message("Moved to another inbox", conversation=conversation)
        await runtime.pipeline.sync_message(message.id)
        await rows.move_conversation(conversation, inbox_id=9)
        await runtime.pipeline.sync_message(message.id)
        [chunk] = await rows.chunks(message)
        assert (chunk.inbox_id, chunk.embedding_attempts) == (9, 1)

    async def test_an_event_that_parses_is_handled_through_the_envelope(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        message = await rows.message("Password reset link expired")
        body = upserted(message).model_dump_json().encode()
        assert await runtime.pipeline.handle(body) is Outcome.ACK
        assert [c.embedding_status for c in await rows.chunks(message)] == ["ready"]


class TestEdits:
    async def test_an_edit_replaces_chunks_and_drops_stale_indexes(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        message = await rows.message(LONG)
        await runtime.pipeline.sync_message(message.id)
        assert len(await rows.chunks(message)) > 2
        await rows.edit(message, content="Fixed: the router works now.")
        await runtime.pipeline.sync_message(message.id)
        [chunk] = await rows.chunks(message)
        assert (chunk.chunk_index, chunk.text) == (0, "Fixed: the router works now.")
        assert chunk.embedding_status == "ready"

    async def test_a_deleted_message_loses_its_chunks(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        message = await rows.message("Please call me back")
        await runtime.pipeline.sync_message(message.id)
        await rows.edit(message, deleted_at=datetime.now(UTC), content="")
        assert await runtime.pipeline.sync_message(message.id) is Outcome.ACK
        assert await rows.chunks(message) == []

    async def test_an_emptied_message_loses_its_chunks(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        message = await rows.message("Typo")
        await runtime.pipeline.sync_message(message.id)
        await rows.edit(message, content=None)
        await runtime.pipeline.sync_message(message.id)
        assert await rows.chunks(message) == []

    async def test_a_removed_row_is_acknowledged_and_its_chunks_deleted(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        message = await rows.message("Please delete my account and everything about me")
        await runtime.pipeline.sync_message(message.id)
        assert len(await rows.chunks(message)) == 1
        await rows.remove(message)
        assert await runtime.pipeline.sync_message(message.id) is Outcome.ACK
        assert await rows.chunks(message) == []
        assert await runtime.pipeline.sync_message("cwmsg:1:404") is Outcome.ACK


class TestPolicy:
    async def test_private_notes_are_embedded_and_marked_private(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        note = await rows.message("Customer is on the legacy plan", private=True)
        await runtime.pipeline.sync_message(note.id)
        [chunk] = await rows.chunks(note)
        assert (chunk.private, chunk.embedding_status) == (True, "ready")

    async def test_private_notes_can_be_excluded(
        self, settings: EmbedderSettings, local_provider: LocalProvider, rows: Rows
    ) -> None:
        runtime = EmbedderRuntime.build(
            settings.model_copy(update={"embed_private_notes": False}), local_provider
        )
        note = await rows.message("Internal: refund approved", private=True)
        await runtime.pipeline.sync_message(note.id)
        await runtime.after_broker_stop()
        assert await rows.chunks(note) == []

    async def test_activity_messages_are_skipped_by_default(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        activity = await rows.message("Conversation was resolved by Anna", message_type="activity")
        assert await runtime.pipeline.sync_message(activity.id) is Outcome.ACK
        assert await rows.chunks(activity) == []

    async def test_activity_messages_can_be_included(
        self, settings: EmbedderSettings, local_provider: LocalProvider, rows: Rows
    ) -> None:
        runtime = EmbedderRuntime.build(
            settings.model_copy(update={"embed_activity_messages": True}), local_provider
        )
        activity = await rows.message("Conversation was reopened", message_type="activity")
        await runtime.pipeline.sync_message(activity.id)
        await runtime.after_broker_stop()
        assert [c.message_type for c in await rows.chunks(activity)] == ["activity"]


class TestClaims:
    async def test_a_chunk_another_replica_is_embedding_is_left_alone(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        message = await rows.message("Refund for order 77")
        await runtime.pipeline.sync_message(message.id)
        await rows.set_chunks(
            message, embedding_status=EmbeddingStatus.PROCESSING, updated_at=datetime.now(UTC)
        )
        assert await runtime.pipeline.sync_message(message.id) is Outcome.ACK
        [chunk] = await rows.chunks(message)
        assert (chunk.embedding_status, chunk.embedding_attempts) == ("processing", 1)

    async def test_a_redelivered_event_takes_over_a_fresh_claim(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        """The delivery that claimed the chunk failed before storing and was requeued."""
        message = await rows.message("Refund for order 79")
        await runtime.pipeline.sync_message(message.id)
        await rows.set_chunks(
            message, embedding_status=EmbeddingStatus.PROCESSING, updated_at=datetime.now(UTC)
        )
        assert await runtime.pipeline.sync_message(message.id, redelivered=True) is Outcome.ACK
        [chunk] = await rows.chunks(message)
        assert (chunk.embedding_status, chunk.embedding_attempts) == ("ready", 2)

    async def test_a_stuck_claim_is_taken_over(
        self, settings: EmbedderSettings, local_provider: LocalProvider, rows: Rows
    ) -> None:
        runtime = EmbedderRuntime.build(
            settings.model_copy(update={"stuck_after_s": 0.001}), local_provider
        )
        message = await rows.message("Refund for order 78")
        await runtime.pipeline.sync_message(message.id)
        await rows.set_chunks(message, embedding_status=EmbeddingStatus.PROCESSING)
        await runtime.pipeline.sync_message(message.id)
        await runtime.after_broker_stop()
        [chunk] = await rows.chunks(message)
        assert (chunk.embedding_status, chunk.embedding_attempts) == ("ready", 2)


class TestMessagesInFlightTogether:
    """Events handled at the same time are synced in shared transactions; each message
    still ends exactly as if it had been handled alone."""

    async def test_new_edited_deleted_missing_and_duplicate_messages_each_converge(
        self, runtime: EmbedderRuntime, rows: Rows
    ) -> None:
        fresh = await rows.messages([f"Parcel {i} is stuck in customs" for i in range(6)])
        edited = await rows.message(LONG)
        deleted = await rows.message("Please call me back tomorrow")
        for message in (edited, deleted):
            await runtime.pipeline.sync_message(message.id)
        await rows.edit(edited, content="Fixed: the router works now.")
        await rows.edit(deleted, deleted_at=datetime.now(UTC), content="")

        ids = [m.id for m in fresh] + [edited.id, deleted.id, "cwmsg:1:404", fresh[0].id]
        outcomes = await asyncio.gather(*(runtime.pipeline.sync_message(i) for i in ids))

        assert outcomes == [Outcome.ACK] * 10
        for message in fresh:
            [chunk] = await rows.chunks(message)
            assert (chunk.embedding_status, chunk.embedding_attempts) == ("ready", 1)
        [chunk] = await rows.chunks(edited)
        assert (chunk.chunk_index, chunk.text, chunk.embedding_status) == (
            0,
            "Fixed: the router works now.",
            "ready",
        )
        assert await rows.chunks(deleted) == []
