"""Webhooks → rows and outbox events, against real Postgres (each test rolled back)."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import pytest
from parley_ingest_testkit import SignedPost
from parley_schema.models import CwContact, CwConversation, CwMessage, EventOutbox, WebhookDelivery
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

FIXTURES = [
    (path.stem, json.loads(path.read_text()))
    for path in sorted((Path(__file__).parents[1] / "fixtures").glob("*.json"))
]


async def snapshot(session: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a consumer could read: every column of every stored row."""
    # created_at of contacts and conversations is when Parley first stored them, and a
    # contact's labels_stale_at when its label read was last queued: only whether it is.
    tables = {
        "contacts": (CwContact.__table__, "created_at"),
        "conversations": (CwConversation.__table__, "created_at"),
        "messages": (CwMessage.__table__, None),
    }
    state: dict[str, list[tuple[Any, ...]]] = {}
    for name, (table, skipped) in tables.items():
        columns: list[Any] = [
            column.is_not(None) if column.name == "labels_stale_at" else column
            for column in table.columns
            if column.name != skipped
        ]
        rows = (await session.execute(select(*columns).order_by(table.c.id))).all()
        state[name] = [tuple(row) for row in rows]
    return state


async def outbox_types(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(EventOutbox.routing_key).order_by(EventOutbox.id)))


async def replay(
    post_signed: SignedPost, order: list[int], base: int, *, fresh_ids: bool = True
) -> None:
    for index in order:
        name, body = FIXTURES[index]
        response = await post_signed(
            body,
            timestamp=base + index * 10,
            delivery_id=None if fresh_ids else f"delivery-{name}",
        )
        assert response.status_code == 200, (name, response.text)


async def test_each_event_kind_produces_its_rows_and_events(
    post_signed: SignedPost, db_session: AsyncSession
) -> None:
    base = int(time.time()) - 200
    receipts = []
    for index, (name, body) in enumerate(FIXTURES):
        before = len(await outbox_types(db_session))
        response = await post_signed(body, timestamp=base + index * 10)
        assert response.status_code == 200, (name, response.text)
        receipts.append(
            (name, response.json()["status"], (await outbox_types(db_session))[before:])
        )

    by_name = {name: (status, events) for name, status, events in receipts}
    assert by_name["00_contact_created"] == ("stored", ["contact.upserted.v1"])
    assert by_name["01_conversation_created"][1] == [
        "contact.upserted.v1",  # the embedded contact has the push shape: its data changed
        "conversation.upserted.v1",
    ]
    assert by_name["02_message_created_incoming"] == (
        "stored",
        ["conversation.upserted.v1", "message.upserted.v1"],
    )
    assert by_name["09_message_updated_deleted"][1][-1] == "message.deleted.v1"
    assert by_name["12_contact_updated"] == ("stored", ["contact.upserted.v1"])
    assert by_name["13_conversation_typing_on"] == ("ignored", [])

    messages = {row.message_id: row for row in (await db_session.scalars(select(CwMessage))).all()}
    assert (
        messages[9001].content
        == "Hi! My order #A-1042 still hasn't arrived 😞\nTracking: ZX-99-1042"
    )
    assert messages[9001].id == "cwmsg:1:9001"
    assert messages[9001].conversation_global_id == "cw:1:42"
    assert messages[9001].contact_global_id == "cwc:1:501"
    assert messages[9001].sender_type == "contact"
    assert "**order #A-1042**" in messages[9001].data["content"]  # raw kept in data
    assert "conversation" not in messages[9001].data
    assert messages[9002].private is True
    assert messages[9002].sender_type == "user"
    assert messages[9002].sender_id == 7
    assert messages[9003].message_type == "activity"
    assert messages[9003].content == "Assigned to Agent Smith by Admin"
    assert messages[9004].content is None
    assert messages[9004].data["attachments"][0]["file_type"] == "image"
    assert messages[9005].deleted_at is not None
    assert messages[9005].content is None
    assert messages[9006].content == (
        "Hello,\nplease see the invoice attached.\nOn Monday you wrote: ..."
    )
    assert all(message.deleted_at is None for key, message in messages.items() if key != 9005)

    conversation = (await db_session.scalars(select(CwConversation))).one()
    assert (conversation.id, conversation.status, conversation.assignee_id) == (
        "cw:1:42",
        "resolved",
        7,
    )
    assert (conversation.inbox_id, conversation.contact_global_id) == (3, "cwc:1:501")
    assert conversation.data["labels"] == ["shipping"]
    assert "event" not in conversation.data

    contact = (await db_session.scalars(select(CwContact))).one()
    assert (contact.id, contact.name, contact.email) == (
        "cwc:1:501",
        "Anna Müller-Schmidt",
        "anna@example.test",
    )
    assert contact.custom_attributes == {"plan": "pro"}

    payload = (
        await db_session.scalars(
            select(EventOutbox.payload).where(EventOutbox.routing_key == "message.upserted.v1")
        )
    ).first()
    assert payload is not None
    assert payload["account_id"] == 1
    assert len(payload["data"]["content_sha256"]) == 64


async def test_repeated_delivery_is_a_noop(
    post_signed: SignedPost, db_session: AsyncSession
) -> None:
    _, body = FIXTURES[2]
    first = await post_signed(body, delivery_id="a-retried-delivery")
    events = await outbox_types(db_session)
    again = await post_signed(body, delivery_id="a-retried-delivery")
    assert (first.json()["status"], again.json()["status"]) == ("stored", "duplicate")
    assert await outbox_types(db_session) == events
    deliveries = await db_session.scalar(select(func.count()).select_from(WebhookDelivery))
    assert deliveries == 1


async def test_identical_state_under_a_new_delivery_id_emits_nothing(
    post_signed: SignedPost, db_session: AsyncSession
) -> None:
    _, body = FIXTURES[2]
    now = int(time.time())
    await post_signed(body, timestamp=now - 5)
    events = await outbox_types(db_session)
    again = await post_signed(body, timestamp=now)
    assert again.json() == {"status": "unchanged", "event": "message_created", "events_written": 0}
    assert await outbox_types(db_session) == events


async def test_replaying_shuffled_three_times_converges_to_one_replay(
    post_signed: SignedPost, db_session: AsyncSession
) -> None:
    base = int(time.time()) - 200
    in_order = list(range(len(FIXTURES)))
    once_savepoint = await db_session.begin_nested()
    await replay(post_signed, in_order, base)
    once = await snapshot(db_session)
    await once_savepoint.rollback()
    assert await snapshot(db_session) == {"contacts": [], "conversations": [], "messages": []}

    rng = random.Random(4)
    for _ in range(3):
        shuffled = list(in_order)
        rng.shuffle(shuffled)
        await replay(post_signed, shuffled, base)
    assert await snapshot(db_session) == once


async def test_an_older_edit_never_overwrites_a_newer_one(
    post_signed: SignedPost, db_session: AsyncSession
) -> None:
    _, created = FIXTURES[2]
    _, edited = FIXTURES[8]
    now = int(time.time())
    await post_signed(edited, timestamp=now)
    late = await post_signed(created, timestamp=now - 60)
    assert late.json()["status"] == "unchanged"
    content = await db_session.scalar(select(CwMessage.content).where(CwMessage.message_id == 9001))
    assert content is not None
    assert content.startswith("Hi! My order #A-1042 still")


async def test_a_deleted_message_is_not_resurrected(
    post_signed: SignedPost, db_session: AsyncSession
) -> None:
    _, created = FIXTURES[6]
    _, deleted = FIXTURES[9]
    now = int(time.time())
    await post_signed(created, timestamp=now - 30)
    await post_signed(deleted, timestamp=now - 20)
    revived = dict(created, content="back again", event="message_updated")
    response = await post_signed(revived, timestamp=now)
    assert response.json()["status"] == "unchanged"
    row = (await db_session.scalars(select(CwMessage).where(CwMessage.message_id == 9005))).one()
    assert row.deleted_at is not None
    assert row.content is None
    assert (await outbox_types(db_session))[-1] == "message.deleted.v1"


@pytest.mark.parametrize("name", [name for name, _ in FIXTURES])
async def test_every_fixture_is_accepted_on_its_own(name: str, post_signed: SignedPost) -> None:
    body = dict(FIXTURES)[name]
    response = await post_signed(body)
    assert response.status_code == 200
