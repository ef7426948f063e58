"""Redaction before storing: a webhook's secrets reach no row, raw object or event."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from parley_ingest.main import create_app
from parley_ingest.settings import IngestSettings
from parley_ingest_testkit import SignedPost
from parley_runtime.database import get_session
from parley_schema.models import CwContact, CwConversation, CwMessage
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "02_message_created_incoming.json").read_text()
)
CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"
PASSWORD = "Sommer2026!"
CONTENT = (
    f"Please charge my card {CARD}, or refund to {IBAN}. "
    f"My login password: {PASSWORD} and order 4111-1111-1111-1112."
)
# Every form of the values that must not survive anywhere.
SECRETS = [CARD, CARD.replace(" ", ""), IBAN, IBAN.replace(" ", ""), PASSWORD]
TABLES = ["cw_messages", "cw_conversations", "cw_contacts", "event_outbox", "webhook_deliveries"]


def message_with(content: str) -> dict[str, Any]:
    """The fixture message with ``content`` wherever Chatwoot repeats a message's text."""
    body: dict[str, Any] = copy.deepcopy(FIXTURE)
    body["content"] = content
    nested = body["conversation"]["messages"][0]
    nested["content"] = nested["processed_message_content"] = content
    body["conversation"]["meta"]["sender"]["custom_attributes"]["card_on_file"] = CARD
    return body


async def stored_text(session: AsyncSession) -> str:
    """Every row of every table a webhook writes to, as text."""
    parts = []
    for table in TABLES:
        rows = await session.scalars(text(f"SELECT t::text FROM {table} t"))  # noqa: S608
        parts += list(rows)
    return "\n".join(parts)


async def test_card_iban_and_password_are_stored_nowhere(
    post_signed: SignedPost, db_session: AsyncSession
) -> None:
    response = await post_signed(message_with(CONTENT))
    assert response.status_code == 200, response.text

    everything = await stored_text(db_session)
    assert "Please charge my card" in everything  # the rows are there
    for secret in SECRETS:
        assert secret not in everything
    message = (await db_session.execute(select(CwMessage))).scalar_one()
    assert message.content == (
        "Please charge my card [card], or refund to [iban]. "
        "My login password: [secret] and order 4111-1111-1111-1112."
    )
    assert message.data["content"] == CONTENT.replace(CARD, "[card]").replace(
        IBAN, "[iban]"
    ).replace(PASSWORD, "[secret]")
    conversation = (await db_session.execute(select(CwConversation))).scalar_one()
    assert "[card]" in conversation.data["messages"][0]["content"]
    contact = (await db_session.execute(select(CwContact))).scalar_one()
    assert contact.custom_attributes["card_on_file"] == "[card]"
    assert contact.email == "anna@example.test"  # e-mail redaction is off by default


@asynccontextmanager
async def client_of(
    settings: IngestSettings, db_session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app built from ``settings``, its requests in the test's transaction."""
    app = create_app(settings)

    async def session_in_savepoint() -> AsyncIterator[AsyncSession]:
        async with db_session.begin_nested():
            yield db_session

    app.dependency_overrides[get_session] = session_in_savepoint
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
            yield client


async def post(
    client: httpx.AsyncClient, payload: dict[str, Any], headers: Callable[..., dict[str, str]]
) -> httpx.Response:
    body = json.dumps(payload).encode()
    return await client.post("/v1/webhooks/chatwoot", content=body, headers=headers(body))


async def test_email_and_phone_redactors_reach_the_contact_columns_when_enabled(
    ingest_settings: IngestSettings,
    db_session: AsyncSession,
    make_signed_headers: Callable[..., dict[str, str]],
) -> None:
    settings = ingest_settings.model_copy(
        update={"redact": ["card", "email", "phone"], "redact_phone_region": "DE"}
    )
    content = "Reach me at anna.m@example.test or 030 1234567, card " + CARD
    async with client_of(settings, db_session) as client:
        response = await post(client, message_with(content), make_signed_headers)
    assert response.status_code == 200, response.text

    message = (await db_session.execute(select(CwMessage))).scalar_one()
    assert message.content == "Reach me at [email] or [phone], card [card]"
    contact = (await db_session.execute(select(CwContact))).scalar_one()
    assert (contact.email, contact.phone_number) == ("[email]", "[phone]")
    everything = await stored_text(db_session)
    for value in ("anna@example.test", "anna.m@example.test", "+4915112345678", "030 1234567"):
        assert value not in everything


async def test_an_empty_redactor_list_stores_the_text_as_sent(
    ingest_settings: IngestSettings,
    db_session: AsyncSession,
    make_signed_headers: Callable[..., dict[str, str]],
) -> None:
    settings = ingest_settings.model_copy(update={"redact": []})
    async with client_of(settings, db_session) as client:
        response = await post(client, message_with(CONTENT), make_signed_headers)
    assert response.status_code == 200, response.text

    message = (await db_session.execute(select(CwMessage))).scalar_one()
    assert message.content == CONTENT
