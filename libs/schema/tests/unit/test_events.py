from __future__ import annotations

from datetime import UTC, datetime

import pytest
from parley_schema.events import EventEnvelope, MessageUpsertedV1
from parley_schema.ids import contact_global_id, conversation_global_id, message_global_id
from pydantic import ValidationError


def test_envelope_round_trips_through_json() -> None:
    envelope = EventEnvelope(
        type="message.upserted.v1",
        occurred_at=datetime(2026, 1, 2, tzinfo=UTC),
        account_id=7,
        data={"message_global_id": "cwmsg:7:1"},
    )
    assert EventEnvelope.model_validate_json(envelope.model_dump_json()) == envelope


@pytest.mark.parametrize(
    "event_type", ["message.upserted", "Message.upserted.v1", "message-upserted-v1"]
)
def test_envelope_rejects_types_that_are_not_entity_verb_major(event_type: str) -> None:
    with pytest.raises(ValidationError):
        EventEnvelope(type=event_type, occurred_at=datetime.now(UTC), account_id=1, data={})


def test_global_ids_follow_seed_000() -> None:
    assert contact_global_id(3, 14) == "cwc:3:14"
    assert conversation_global_id(3, 15) == "cw:3:15"
    assert message_global_id(3, 92) == "cwmsg:3:92"


def test_wrapped_payload_travels_as_its_routing_key_and_parses_back() -> None:
    payload = MessageUpsertedV1(
        message_global_id="cwmsg:7:1",
        conversation_global_id="cw:7:3",
        updated_at=datetime(2026, 1, 2, tzinfo=UTC),
        content_sha256="ab" * 32,
    )
    envelope = EventEnvelope.wrap(payload, account_id=7, occurred_at=datetime.now(UTC))
    assert envelope.type == "message.upserted.v1"
    parsed = EventEnvelope.model_validate_json(envelope.model_dump_json())
    assert MessageUpsertedV1.model_validate(parsed.data) == payload
