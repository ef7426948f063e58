"""Contact labels: marked stale by webhooks in their own transaction, read from a fake
Chatwoot REST API (rate limited, deduplicated), and conversation labels kept current."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from parley_chatwoot import http_client
from parley_ingest.backfill.client import ChatwootClient
from parley_ingest.contact_labels.repository import ReadLabels, contact_label_repository
from parley_ingest.contact_labels.service import ContactLabelSync
from parley_ingest.settings import IngestSettings
from parley_ingest_testkit import API_TOKEN, FakeChatwoot, SignedPost
from parley_schema.db import create_sessionmaker
from parley_schema.models import CwContact, CwConversation
from parley_schema.retrying import Backoff
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

ANNA = "cwc:1:501"  # the contact of the fixtures


@pytest.fixture
def fake() -> FakeChatwoot:
    return FakeChatwoot(contact_labels={501: ["vip-customer", "hot-lead"]})


@pytest.fixture
async def sync(fake: FakeChatwoot, db_engine: AsyncEngine) -> AsyncIterator[ContactLabelSync]:
    transport = httpx.ASGITransport(app=fake.app())
    async with http_client("http://chatwoot.test", API_TOKEN, transport=transport) as http:
        yield ContactLabelSync(
            settings=IngestSettings(contact_labels_requests_per_s=50),
            client=ChatwootClient(http, max_retries=2, backoff=Backoff(base_s=0.01)),
            sessionmaker=create_sessionmaker(db_engine),
        )


def _label_reads(fake: FakeChatwoot) -> list[tuple[float, str, dict[str, str], int]]:
    return [entry for entry in fake.requests if entry[1] == "contact_labels"]


async def _contact(session: AsyncSession, contact_id: str = ANNA) -> CwContact:
    session.expire_all()
    contact = await session.scalar(select(CwContact).where(CwContact.id == contact_id))
    assert contact is not None
    return contact


async def test_a_contact_event_queues_a_label_read_without_calling_chatwoot(
    post_signed: SignedPost,
    fixture_bodies: dict[str, dict[str, Any]],
    db_session: AsyncSession,
    fake: FakeChatwoot,
    sync: ContactLabelSync,
) -> None:
    response = await post_signed(fixture_bodies["12_contact_updated"])
    assert response.status_code == 200, response.text
    contact = await _contact(db_session)
    assert contact.labels is None
    assert contact.labels_stale_at is not None
    assert _label_reads(fake) == []  # the webhook's answer waited for no REST call

    result = await sync.read(db_session)
    assert result.processed == 1
    contact = await _contact(db_session)
    assert contact.labels == ["hot-lead", "vip-customer"]
    assert contact.labels_stale_at is None
    assert contact.labels_synced_at is not None


async def test_many_events_before_a_read_cost_one_read(
    post_signed: SignedPost,
    fixture_bodies: dict[str, dict[str, Any]],
    db_session: AsyncSession,
    fake: FakeChatwoot,
    sync: ContactLabelSync,
) -> None:
    body = fixture_bodies["12_contact_updated"]
    for attempt in range(3):
        changed = copy.deepcopy(body)
        changed["custom_attributes"] = {"plan": "pro", "attempt": attempt}
        assert (await post_signed(changed)).status_code == 200
    await sync.read(db_session)
    await sync.read(db_session)
    assert len(_label_reads(fake)) == 1


async def test_an_event_during_a_read_keeps_the_contact_queued(
    post_signed: SignedPost,
    fixture_bodies: dict[str, dict[str, Any]],
    db_session: AsyncSession,
) -> None:
    assert (await post_signed(fixture_bodies["00_contact_created"])).status_code == 200
    [queued] = await contact_label_repository.stale(db_session, limit=10)
    later = copy.deepcopy(fixture_bodies["12_contact_updated"])
    assert (await post_signed(later)).status_code == 200  # arrives while the read is under way
    await contact_label_repository.store(db_session, [ReadLabels(queued, ["old-read"])])
    contact = await _contact(db_session)
    assert contact.labels == ["old-read"]
    assert contact.labels_stale_at is not None  # read again: the event may have changed them


async def test_a_rate_limited_read_waits_for_retry_after(
    post_signed: SignedPost,
    fixture_bodies: dict[str, dict[str, Any]],
    db_session: AsyncSession,
    fake: FakeChatwoot,
    sync: ContactLabelSync,
) -> None:
    fake.labels_rate_limit_once = True
    assert (await post_signed(fixture_bodies["12_contact_updated"])).status_code == 200
    await sync.read(db_session)
    reads = _label_reads(fake)
    assert [entry[3] for entry in reads] == [429, 200]
    assert reads[1][0] - reads[0][0] >= 0.9  # Retry-After: 1
    assert (await _contact(db_session)).labels == ["hot-lead", "vip-customer"]


async def test_a_contact_gone_from_chatwoot_leaves_the_queue(
    post_signed: SignedPost,
    fixture_bodies: dict[str, dict[str, Any]],
    db_session: AsyncSession,
    fake: FakeChatwoot,
    sync: ContactLabelSync,
) -> None:
    gone = copy.deepcopy(fixture_bodies["12_contact_updated"]) | {"id": 9999}
    assert (await post_signed(gone)).status_code == 200
    result = await sync.read(db_session)
    assert result.meta["gone"] == 1
    contact = await _contact(db_session, "cwc:1:9999")
    assert (contact.labels, contact.labels_stale_at) == (None, None)
    assert [entry[3] for entry in _label_reads(fake)] == [404]


async def test_conversation_label_changes_keep_labels_and_activity_current(
    post_signed: SignedPost,
    fixture_bodies: dict[str, dict[str, Any]],
    db_session: AsyncSession,
) -> None:
    created, updated = (
        fixture_bodies["01_conversation_created"],
        fixture_bodies["10_conversation_updated"],
    )
    assert (await post_signed(created)).status_code == 200
    assert (await post_signed(updated)).status_code == 200
    removed = copy.deepcopy(updated)
    removed.update(labels=[], updated_at=updated["updated_at"] + 10, last_activity_at=1764000200)
    removed["changed_attributes"] = [
        {"label_list": {"previous_value": ["shipping"], "current_value": []}}
    ]
    older = copy.deepcopy(updated)
    older.update(labels=["stale"], updated_at=updated["updated_at"] - 1)

    async def labels() -> list[str]:
        db_session.expire_all()
        conversation = await db_session.scalar(
            select(CwConversation).where(CwConversation.id == "cw:1:42")
        )
        assert conversation is not None
        return list(conversation.data["labels"])

    assert await labels() == ["shipping"]
    assert (await post_signed(removed)).status_code == 200
    assert (await post_signed(older)).status_code == 200  # out of order: changes nothing
    assert await labels() == []
    contact = await _contact(db_session)
    assert contact.last_activity_at is not None
    assert int(contact.last_activity_at.timestamp()) == 1764000200
    # a contact seen for the first time (in a conversation event) is queued for a read
    assert contact.labels_stale_at is not None
