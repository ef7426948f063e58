"""Pure rules: the embedding policy, which chunks count as changed (the backoff between
attempts is the shared ``parley_schema.retrying.Backoff``, tested in libs/schema)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from parley_embedder.chunks.policy import EmbedPolicy
from parley_embedder.chunks.repository import MessageFacts, NewChunk, StoredChunk
from parley_embedder.chunks.service import changed_chunks, text_hash
from parley_schema.models import EmbeddingStatus

READY, PROCESSING = EmbeddingStatus.READY, EmbeddingStatus.PROCESSING


def facts(**overrides: object) -> MessageFacts:
    values: dict[str, object] = {
        "message_global_id": "cwmsg:1:1",
        "conversation_global_id": "cw:1:1",
        "account_id": 1,
        "inbox_id": 2,
        "content": "Where is my order?",
        "deleted_at": None,
        "private": False,
        "message_type": "incoming",
        "sender_type": "contact",
        "message_created_at": datetime.now(UTC),
        "updated_at": datetime.now(UTC),
    }
    return MessageFacts(**(values | overrides))  # type: ignore[arg-type]


class TestPolicy:
    def test_an_incoming_message_is_embedded(self) -> None:
        assert EmbedPolicy().text_to_embed(facts()) == "Where is my order?"

    @pytest.mark.parametrize(
        "overrides",
        [{"deleted_at": datetime.now(UTC)}, {"content": ""}, {"content": None}],
    )
    def test_deleted_or_empty_messages_are_not(self, overrides: dict[str, object]) -> None:
        assert EmbedPolicy().text_to_embed(facts(**overrides)) == ""

    def test_private_notes_follow_their_setting(self) -> None:
        note = facts(private=True)
        assert EmbedPolicy().text_to_embed(note) == "Where is my order?"
        assert EmbedPolicy(embed_private_notes=False).text_to_embed(note) == ""

    def test_activity_messages_follow_their_setting(self) -> None:
        activity = facts(message_type="activity")
        assert EmbedPolicy().text_to_embed(activity) == ""
        assert EmbedPolicy(embed_activity_messages=True).text_to_embed(activity) != ""


class TestChanged:
    def new(self, index: int, text: str) -> NewChunk:
        return NewChunk(index, text, text_hash(text), 3)

    def test_same_text_and_model_is_unchanged(self) -> None:
        stored = [StoredChunk("cwmsg:1:1", 0, text_hash("a"), READY, "m", None)]
        assert changed_chunks([self.new(0, "a")], stored, "m") == []

    def test_other_text_new_index_or_other_model_is_changed(self) -> None:
        stored = [StoredChunk("cwmsg:1:1", 0, text_hash("a"), READY, "old-model", None)]
        wanted = [self.new(0, "a"), self.new(1, "b")]
        assert changed_chunks(wanted, stored, "m") == wanted
        assert changed_chunks(
            [self.new(0, "z")], [StoredChunk("cwmsg:1:1", 0, text_hash("a"), READY, "m", None)], "m"
        )

    def test_the_model_in_the_second_slot_counts_as_held(self) -> None:
        stored = [StoredChunk("cwmsg:1:1", 0, text_hash("a"), READY, "old-model", "m")]
        assert changed_chunks([self.new(0, "a")], stored, "m") == []

    def test_a_waiting_chunk_with_the_same_text_is_kept(self) -> None:
        stored = [StoredChunk("cwmsg:1:1", 0, text_hash("a"), PROCESSING, None, None)]
        assert changed_chunks([self.new(0, "a")], stored, "m") == []
