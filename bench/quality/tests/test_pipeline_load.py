from __future__ import annotations

from dataset import Contact, Conversation, Turn
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


def test_the_contact_and_status_of_a_conversation_go_with_its_webhooks() -> None:
    turns = (Turn("customer", "Where is my parcel?"),)
    ann = Contact("Ann Lee", "ann@example.com")
    conversations = [
        Conversation("c-001", turns, contact=ann, status="open"),
        Conversation("c-002", turns, contact=ann),
        Conversation("c-003", turns),
    ]

    bodies, _ = webhooks(conversations)

    senders = [body["conversation"]["meta"]["sender"] for body in bodies]
    assert [(s["id"], s["name"], s["email"]) for s in senders] == [
        (1, "Ann Lee", "ann@example.com"),
        (1, "Ann Lee", "ann@example.com"),
        (2, "c-003", None),
    ]
    assert bodies[0]["sender"]["id"] == 1
    assert [body["conversation"]["status"] for body in bodies] == ["open", "resolved", "resolved"]
