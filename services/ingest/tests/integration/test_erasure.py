"""Erasing a contact: ``DELETE /v1/contacts/{id}`` and ``parley erase contact``, the audit entry,
and the quarantine that keeps replayed webhooks and backfills from bringing them back."""

from __future__ import annotations

import copy
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from parley_authn import (
    CSRF_HEADER,
    SESSION_COOKIE,
    csrf_token_for,
    hash_secret,
    new_session_secret,
)
from parley_ingest import metrics
from parley_ingest.erasure.cli import app as erase_cli
from parley_ingest_testkit import SignedPost
from parley_schema.models import (
    ApiToken,
    AppUser,
    CwContact,
    CwConversation,
    CwMessage,
    Erasure,
    ErasureQuarantine,
    EventOutbox,
    RagChunk,
    Session,
)
from parley_testing.factories import make_api_caller
from parley_testing.postgres import run_async
from sqlalchemy import String, cast, func, insert, literal, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from typer.testing import CliRunner

CONTACT = "cwc:1:501"
CONVERSATION = "cw:1:42"
OTHER_CONTACT = "cwc:1:777"
STORED = [f"{i:02d}" for i in range(8)]  # contact, conversation, six messages


def bodies_of(fixture_bodies: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [body for name, body in fixture_bodies.items() if name[:2] in STORED]


def someone_else(body: dict[str, Any]) -> dict[str, Any]:
    """The same message from contact 777 in conversation 43 (message id + 1000)."""
    other = copy.deepcopy(body)
    other["id"] += 1000
    other["conversation"]["id"] = 43
    other["conversation"]["meta"]["sender"]["id"] = 777
    return other


async def add_chunks(session: AsyncSession) -> None:
    """One chunk with a vector per stored message, as the embedder writes them."""
    await session.execute(
        insert(RagChunk).from_select(
            ["conversation_global_id", "message_global_id", "chunk_index", "text", "embedding"],
            select(
                CwMessage.conversation_global_id,
                CwMessage.id,
                literal(0),
                func.coalesce(CwMessage.content, "x"),
                literal_column("array_fill(0.1::real, ARRAY[384])::vector"),
            ),
        )
    )


async def naming(session: AsyncSession, *ids: str) -> dict[str, int]:
    """Rows of every table that still name any of ``ids``."""
    like = [f'%"{id_}"%' for id_ in ids]
    counts = {}
    for name, model in (
        ("contacts", CwContact),
        ("conversations", CwConversation),
        ("messages", CwMessage),
        ("chunks", RagChunk),
        ("outbox", EventOutbox),
    ):
        table = model.__table__
        row_text = cast(literal_column(f"to_jsonb({model.__tablename__})"), String)
        counts[name] = int(
            await session.scalar(
                select(func.count())
                .select_from(table)
                .where(or_(*(row_text.like(p) for p in like)))
            )
            or 0
        )
    return counts


@pytest.fixture
async def admin_token(db_session: AsyncSession) -> str:
    caller = await make_api_caller(
        db_session, name=f"admin-{uuid.uuid4().hex[:8]}", account_ids=[1]
    )
    await db_session.execute(
        update(AppUser).where(AppUser.id == caller.user_id).values(is_admin=True)
    )
    return caller.token


@pytest.fixture
async def admin_cookie(db_session: AsyncSession, admin_token: str) -> str:
    """A session cookie of the same administrator (as auth's login would store it)."""
    secret = new_session_secret()
    user_id = await db_session.scalar(
        select(ApiToken.user_id).where(ApiToken.token_hash == hash_secret(admin_token))
    )
    await db_session.execute(
        insert(Session).values(
            session_id=hash_secret(secret),
            user_id=user_id,
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
    )
    return secret


@pytest.fixture
async def user_token(db_session: AsyncSession) -> str:
    caller = await make_api_caller(db_session, name=f"user-{uuid.uuid4().hex[:8]}", account_ids=[1])
    return caller.token


@pytest.fixture
async def stored(
    post_signed: SignedPost, fixture_bodies: dict[str, dict[str, Any]], db_session: AsyncSession
) -> None:
    """Contact 501's conversation 42 with six messages, contact 777's conversation 43 with
    five, and a chunk with a vector for each message."""
    for body in bodies_of(fixture_bodies):
        assert (await post_signed(body)).status_code == 200
        if body.get("event") == "message_created":
            assert (await post_signed(someone_else(body))).status_code == 200
    await add_chunks(db_session)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestEraseEndpoint:
    async def test_an_admin_erases_everything_that_names_the_contact(
        self, client: httpx.AsyncClient, db_session: AsyncSession, stored: None, admin_token: str
    ) -> None:
        messages = [f"cwmsg:1:{9001 + i}" for i in range(6)]
        assert (await naming(db_session, CONTACT))["contacts"] == 1
        others_before = await naming(db_session, OTHER_CONTACT)
        response = await client.delete(f"/v1/contacts/{CONTACT}", headers=bearer(admin_token))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["global_id"] == CONTACT
        assert body["erased_by"].startswith("user:")
        assert body["counts"]["contacts"] == 1
        assert body["counts"]["conversations"] == 1
        assert body["counts"]["messages"] == 6
        assert body["counts"]["chunks"] == 6
        assert body["counts"]["outbox_events"] >= 8  # contact, conversation, six messages
        assert await naming(db_session, CONTACT, CONVERSATION, *messages) == dict.fromkeys(
            ("contacts", "conversations", "messages", "chunks", "outbox"), 0
        )
        assert await naming(db_session, OTHER_CONTACT) == others_before  # no one else's data
        [erasure] = (
            await db_session.scalars(select(Erasure).where(Erasure.id == body["id"]))
        ).all()
        audit = json.dumps(
            {"global_id": erasure.global_id, "erased_by": erasure.erased_by, **erasure.counts}
        )
        assert "@" not in audit  # ids and counts only: no e-mail address
        assert "Customer" not in audit  # and no name
        quarantined = set(await db_session.scalars(select(ErasureQuarantine.global_id)))
        assert {CONTACT, CONVERSATION} <= quarantined

    async def test_a_replayed_webhook_does_not_bring_the_contact_back(
        self,
        client: httpx.AsyncClient,
        db_session: AsyncSession,
        stored: None,
        admin_token: str,
        post_signed: SignedPost,
        fixture_bodies: dict[str, dict[str, Any]],
    ) -> None:
        assert (
            await client.delete(f"/v1/contacts/{CONTACT}", headers=bearer(admin_token))
        ).status_code == 200
        refused = metrics.QUARANTINE_REFUSED.labels("message")._value.get()
        for body in bodies_of(fixture_bodies):
            response = await post_signed(body)  # a new delivery id: not a duplicate
            assert response.status_code == 200
            assert response.json()["status"] in ("unchanged", "ignored")
        assert sum((await naming(db_session, CONTACT, CONVERSATION)).values()) == 0
        assert metrics.QUARANTINE_REFUSED.labels("message")._value.get() == refused + 6
        new = someone_else(fixture_bodies["02_message_created_incoming"])
        new["id"] = 99_999
        assert (await post_signed(new)).json()["status"] == "stored"  # others still flow

    async def test_refusals(
        self,
        client: httpx.AsyncClient,
        db_session: AsyncSession,
        stored: None,
        admin_token: str,
        user_token: str,
    ) -> None:
        nobody = await client.delete(f"/v1/contacts/{CONTACT}")
        assert (nobody.status_code, nobody.json()["error"]["code"]) == (401, "not_authenticated")
        user = await client.delete(f"/v1/contacts/{CONTACT}", headers=bearer(user_token))
        assert (user.status_code, user.json()["error"]["code"]) == (403, "admin_required")
        for malformed in ("cwc:1:abc", "cw:1:42", "cwc:1", "cwc:1:501:2", "cwc:1:" + "9" * 19):
            bad = await client.delete(f"/v1/contacts/{malformed}", headers=bearer(admin_token))
            assert bad.status_code == 422, malformed
            assert bad.json()["error"]["code"] == "validation_error"
        unknown = await client.delete("/v1/contacts/cwc:1:404404", headers=bearer(admin_token))
        assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "contact_not_found")
        assert (await naming(db_session, CONTACT))["contacts"] == 1  # nothing was erased
        done = await client.delete(f"/v1/contacts/{CONTACT}", headers=bearer(admin_token))
        assert done.status_code == 200
        again = await client.delete(f"/v1/contacts/{CONTACT}", headers=bearer(admin_token))
        assert again.status_code == 404

    async def test_a_session_needs_its_csrf_token(
        self, client: httpx.AsyncClient, db_session: AsyncSession, stored: None, admin_cookie: str
    ) -> None:
        cookies = {SESSION_COOKIE: admin_cookie}
        client.cookies.update(cookies)
        refused = await client.delete(f"/v1/contacts/{CONTACT}")
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "csrf_rejected")
        assert (await naming(db_session, CONTACT))["contacts"] == 1
        done = await client.delete(
            f"/v1/contacts/{CONTACT}", headers={CSRF_HEADER: csrf_token_for(admin_cookie)}
        )
        assert done.status_code == 200, done.text
        assert (await naming(db_session, CONTACT))["contacts"] == 0


runner = CliRunner()


def test_parley_erase_contact(database_url: str) -> None:
    account = random.randint(10_000, 10**9)
    contact, conversation = f"cwc:{account}:5", f"cw:{account}:6"

    async def seed_and_count(seed: bool) -> tuple[int, int, int]:
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as connection:
                if seed:
                    await connection.execute(
                        insert(CwContact).values(
                            id=contact, account_id=account, contact_id=5, data={}
                        )
                    )
                    await connection.execute(
                        insert(CwConversation).values(
                            id=conversation,
                            account_id=account,
                            conversation_id=6,
                            contact_global_id=contact,
                            data={},
                        )
                    )
                    await connection.execute(
                        insert(CwMessage).values(
                            id=f"cwmsg:{account}:7",
                            account_id=account,
                            conversation_global_id=conversation,
                            contact_global_id=contact,
                            content="my address is …",
                            data={},
                        )
                    )
                counts = []
                for model, column in (
                    (CwContact, CwContact.id),
                    (CwConversation, CwConversation.contact_global_id),
                    (CwMessage, CwMessage.contact_global_id),
                ):
                    counts.append(
                        int(
                            await connection.scalar(
                                select(func.count()).select_from(model).where(column == contact)
                            )
                            or 0
                        )
                    )
                return counts[0], counts[1], counts[2]
        finally:
            await engine.dispose()

    assert run_async(lambda: seed_and_count(True)) == (1, 1, 1)
    env = {"PARLEY_DATABASE_URL": database_url, "PARLEY_LOG_FORMAT": "json"}
    result = runner.invoke(erase_cli, ["contact", contact], env=env)
    assert result.exit_code == 0, result.output
    assert "erasure" in result.output
    assert run_async(lambda: seed_and_count(False)) == (0, 0, 0)
    assert runner.invoke(erase_cli, ["contact", contact], env=env).exit_code == 1  # now unknown
    malformed = runner.invoke(erase_cli, ["contact", "cw:1:2"], env=env)
    assert malformed.exit_code == 2
