from __future__ import annotations

from dataset import Conversation, Turn
from pipeline_load import webhooks


def test_every_turn_becomes_a_message_created_webhook_of_its_conversation() -> None:
    conversations = [
        Conversation("c-001", (Turn("customer", "My order is late"), Turn("agent", "Sorry!"))),
        Conversation("c-002", (Turn("customer", "Refund please"),)),
    ]
    bodies, dataset_id_of = webhooks(conversations)
    assert [body["event"] for body in bodies] == ["message_created"] * 3
    assert [body["message_type"] for body in bodies] == ["incoming", "outgoing", "incoming"]
    assert [body["content"] for body in bodies] == ["My order is late", "Sorry!", "Refund please"]
    assert len({body["id"] for body in bodies}) == 3
    assert {dataset_id_of[f"cw:1:{body['conversation']['id']}"] for body in bodies} == {
        "c-001",
        "c-002",
    }
    assert bodies[0]["sender"]["type"] == "contact"
    assert bodies[1]["sender"]["type"] == "user"
