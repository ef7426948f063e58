"""Writes a quality dataset straight into Parley's tables, with real embeddings.

This stands in for ingest + embedder (webhook → cw_* rows → chunks) so search modes can be
measured on their own: one conversation per dataset conversation, one message and one ready
chunk per turn, embedded by the same provider search-api uses for queries, and the
conversation's contact (``dataset.contact_of``) with its name and e-mail.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dataset import Conversation, contact_numbers, contact_of
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_embedder.models.service import Fused, ModelService
from parley_embeddings.provider import EmbeddingProvider
from parley_schema import migrate
from parley_schema.ids import contact_global_id, conversation_global_id, message_global_id
from parley_schema.models import CwContact, CwConversation, CwMessage, RagChunk
from parley_schema.settings import ParleyBaseSettings
from parley_schema.vector_slots import SlotModel, registered_models
from parley_testing.factories import make_api_caller
from parley_testing.postgres import free_port
from pgvector.sqlalchemy import Vector
from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

ACCOUNT_ID = 1
INBOX_ID = 1
START = datetime(2025, 1, 1, tzinfo=UTC)
TURNS_PER_CONVERSATION = 100  # message ids: number * 100 + the turn's position


async def embed_turns(
    conversations: list[Conversation], provider: EmbeddingProvider
) -> dict[str, list[float]]:
    """Every distinct turn text → its vector."""
    texts = sorted({turn.text for conversation in conversations for turn in conversation.turns})
    return dict(zip(texts, await provider.embed(texts), strict=True))


async def add(
    session: AsyncSession,
    conversations: list[tuple[int, Conversation]],
    vectors: dict[str, list[float]],
    *,
    model: str,
    status: str | None = None,
    contact_number_of: dict[str, int] | None = None,
) -> dict[str, str]:
    """Writes each (display number, conversation); returns conversation global id → dataset
    id. A conversation's messages are a minute apart, customers' incoming, agents' outgoing.
    ``status`` overrides the conversations' own; ``contact_number_of`` (dataset id → contact
    number) lets conversations share a contact, otherwise each has the contact numbered as
    the conversation."""
    dataset_id_of: dict[str, str] = {}
    rows, messages, chunks = [], [], []
    contacts: dict[int, dict[str, object]] = {}
    for number, conversation in conversations:
        if len(conversation.turns) >= TURNS_PER_CONVERSATION:
            raise ValueError(f"{conversation.id}: at most {TURNS_PER_CONVERSATION - 1} turns")
        gid = conversation_global_id(ACCOUNT_ID, number)
        dataset_id_of[gid] = conversation.id
        contact_number = (contact_number_of or {}).get(conversation.id, number)
        contact = contact_of(conversation)
        contacts.setdefault(
            contact_number,
            {
                "id": contact_global_id(ACCOUNT_ID, contact_number),
                "account_id": ACCOUNT_ID,
                "contact_id": contact_number,
                "name": contact.name,
                "email": contact.email,
                "data": {},
            },
        )
        rows.append(
            {
                "id": gid,
                "account_id": ACCOUNT_ID,
                "conversation_id": number,
                "contact_global_id": contact_global_id(ACCOUNT_ID, contact_number),
                "inbox_id": INBOX_ID,
                "status": status or conversation.status,
                "data": {"labels": []},
            }
        )
        for position, turn in enumerate(conversation.turns):
            message_id = number * TURNS_PER_CONVERSATION + position
            created = START + timedelta(minutes=message_id)
            sender_type, message_type = (
                ("contact", "incoming") if turn.role == "customer" else ("user", "outgoing")
            )
            common = {
                "account_id": ACCOUNT_ID,
                "message_type": message_type,
                "sender_type": sender_type,
                "private": False,
            }
            mid = message_global_id(ACCOUNT_ID, message_id)
            messages.append(
                {
                    **common,
                    "id": mid,
                    "message_id": message_id,
                    "conversation_id": number,
                    "conversation_global_id": gid,
                    "contact_global_id": contact_global_id(ACCOUNT_ID, contact_number),
                    "content": turn.text,
                    "data": {},
                    "created_at": created,
                }
            )
            chunks.append(
                {
                    **common,
                    "conversation_global_id": gid,
                    "message_global_id": mid,
                    "chunk_index": 0,
                    "text": turn.text,
                    "embedding": vectors[turn.text],
                    "embedding_status": "ready",
                    "embedding_model": model,
                    "inbox_id": INBOX_ID,
                    "message_created_at": created,
                }
            )
    await session.execute(insert(CwContact), list(contacts.values()))
    await session.execute(insert(CwConversation), rows)
    await session.execute(insert(CwMessage), messages)
    await session.execute(insert(RagChunk), chunks)
    return dataset_id_of


async def remove(session: AsyncSession, global_ids: list[str]) -> None:
    """Deletes conversations ``add`` wrote, with their messages, chunks and (when no other
    conversation has it) contact."""
    await session.execute(delete(RagChunk).where(RagChunk.conversation_global_id.in_(global_ids)))
    await session.execute(delete(CwMessage).where(CwMessage.conversation_global_id.in_(global_ids)))
    contact_ids = select(CwConversation.contact_global_id).where(CwConversation.id.in_(global_ids))
    kept = select(CwConversation.contact_global_id).where(CwConversation.id.not_in(global_ids))
    await session.execute(
        delete(CwContact).where(CwContact.id.in_(contact_ids), CwContact.id.not_in(kept))
    )
    await session.execute(delete(CwConversation).where(CwConversation.id.in_(global_ids)))


async def load(
    session: AsyncSession, conversations: list[Conversation], provider: EmbeddingProvider
) -> dict[str, str]:
    """Returns conversation global id → dataset id."""
    vectors = await embed_turns(conversations, provider)
    numbered = list(enumerate(conversations, start=1))
    return await add(
        session,
        numbered,
        vectors,
        model=provider.model_name,
        contact_number_of=contact_numbers(conversations),
    )


async def fuse_second_model(
    session: AsyncSession, provider: EmbeddingProvider, weight: float
) -> SlotModel:
    """Holds ``provider``'s model next to the loaded one (slot 2: every chunk's vector by it,
    as the back-fill writes them) and has search fuse the two, this one at ``weight``, through
    ``parley embeddings``' own rules (``ModelService``). Its index is left to the caller
    (``CREATE INDEX CONCURRENTLY`` runs outside a transaction)."""
    service = ModelService(settings=ParleyBaseSettings())
    active = next(m for m in await registered_models(session) if m.active)
    model = await service.add(session, provider.model_name)
    texts = sorted(set((await session.scalars(select(RagChunk.text))).all()))
    vectors = await provider.embed(texts)
    table: Table = RagChunk.__table__  # type: ignore[assignment]
    await session.execute(
        update(table)
        .where(table.c.text == bindparam("chunk_text"))
        .values(
            {
                model.columns.vector_column.key: bindparam("vector", type_=Vector()),
                model.columns.model_column.key: model.name,
            }
        ),
        [{"chunk_text": t, "vector": v} for t, v in zip(texts, vectors, strict=True)],
    )
    await service.use(session, active.name, Fused(model.name, weight))
    return model


async def api_token(session: AsyncSession) -> str:
    """A project over the loaded account, and an API token for it."""
    caller = await make_api_caller(session, name="quality", account_ids=[ACCOUNT_ID])
    return caller.token


def on_private_database(
    name: str,
    provider: EmbeddingProvider,
    work: Callable[[str], Coroutine[Any, Any, None]],
) -> None:
    """``work(url)`` on a database ``name`` of a throwaway embedded Postgres, migrated for
    ``provider``'s model (the model its vectors are stored for)."""
    with tempfile.TemporaryDirectory() as data_dir:
        server = EmbeddedDatabase(Path(data_dir), free_port(), options=EPHEMERAL_OPTIONS)
        server.start()
        try:
            server.ensure_database_sync(name)
            url = server.url(name)
            migrate.upgrade(
                url, embedding_dim=provider.dimension, embedding_model=provider.model_name
            )
            asyncio.run(work(url))
        finally:
            server.stop()
