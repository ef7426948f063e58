"""SQL that removes Chatwoot objects and everything derived from them. Never commits.

One statement per table for a whole set of ids. Messages go first: the embedder reads the
messages it chunks ``FOR KEY SHARE``, so deleting a message waits for an embedder transaction
that is writing its chunks, and the chunk delete that follows (a new statement, a new
snapshot) sees those chunks. Chunks are deleted by message and by conversation, so none is
left whose message row is gone (search shows chunks without consulting their message's row).
Outbox rows naming a removed id are deleted whether published or not: none is left that
names a removed person, and nothing still queued can make a consumer look for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from parley_schema.models import CwContact, CwConversation, CwMessage, EventOutbox, RagChunk
from sqlalchemy import ColumnElement, Text, any_, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import SQLCoreOperations


def _among(column: SQLCoreOperations[str | None], ids: Sequence[str]) -> ColumnElement[bool]:
    """``column = ANY(:ids)``: one array parameter however many ids (``IN`` binds one each)."""
    return column == any_(bindparam(None, list(ids), type_=ARRAY(Text)))


@dataclass
class Removed:
    """What one removal deleted, by table."""

    contacts: int = 0
    conversations: int = 0
    messages: int = 0
    chunks: int = 0
    outbox_events: int = 0

    def add(self, other: Removed) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def as_dict(self) -> dict[str, int]:
        return {item.name: getattr(self, item.name) for item in fields(self)}


class DeletionRepository:
    async def delete_messages(self, session: AsyncSession, ids: Sequence[str]) -> Removed:
        """These messages, their chunks and the outbox rows that name them."""
        if not ids:
            return Removed()
        deleted = (
            await session.scalars(
                delete(CwMessage).where(_among(CwMessage.id, ids)).returning(CwMessage.id)
            )
        ).all()
        return Removed(
            messages=len(deleted),
            chunks=await self._delete_chunks(session, messages=deleted),
            outbox_events=await self._delete_outbox(session, messages=deleted),
        )

    async def delete_conversations(
        self, session: AsyncSession, ids: Sequence[str], *, contact_ids: Sequence[str] = ()
    ) -> Removed:
        """These conversations with their messages and chunks, the messages that name one of
        ``contact_ids`` in other conversations, and the outbox rows naming any of them."""
        if not ids and not contact_ids:
            return Removed()
        messages = (
            await session.scalars(
                delete(CwMessage)
                .where(
                    or_(
                        _among(CwMessage.conversation_global_id, ids),
                        _among(CwMessage.contact_global_id, contact_ids),
                    )
                )
                .returning(CwMessage.id)
            )
        ).all()
        chunks = await self._delete_chunks(session, messages=messages, conversations=ids)
        conversations = (
            await session.scalars(
                delete(CwConversation)
                .where(_among(CwConversation.id, ids))
                .returning(CwConversation.id)
            )
        ).all()
        return Removed(
            conversations=len(conversations),
            messages=len(messages),
            chunks=chunks,
            outbox_events=await self._delete_outbox(session, messages=messages, conversations=ids),
        )

    async def delete_contacts(self, session: AsyncSession, ids: Sequence[str]) -> Removed:
        """Contact rows and the outbox rows that name them (their conversations: see
        :meth:`delete_conversations`)."""
        if not ids:
            return Removed()
        deleted = (
            await session.scalars(
                delete(CwContact).where(_among(CwContact.id, ids)).returning(CwContact.id)
            )
        ).all()
        return Removed(
            contacts=len(deleted),
            outbox_events=await self._delete_outbox(session, contacts=ids),
        )

    async def conversations_of_contact(self, session: AsyncSession, contact_id: str) -> list[str]:
        return list(
            (
                await session.scalars(
                    select(CwConversation.id)
                    .where(CwConversation.contact_global_id == contact_id)
                    .order_by(CwConversation.id)
                    .with_for_update()
                )
            ).all()
        )

    async def contact_exists(self, session: AsyncSession, contact_id: str) -> bool:
        """A contact row, or any conversation or message naming the contact."""
        found = await session.scalar(
            select(CwContact.id)
            .where(CwContact.id == contact_id)
            .union_all(
                select(CwConversation.id).where(CwConversation.contact_global_id == contact_id),
                select(CwMessage.id).where(CwMessage.contact_global_id == contact_id),
            )
            .limit(1)
        )
        return found is not None

    async def repoint_conversation(
        self, session: AsyncSession, conversation_id: str, contact_id: str
    ) -> None:
        """The conversation (and its messages) now belong to ``contact_id`` (a merge)."""
        await session.execute(
            update(CwConversation)
            .where(CwConversation.id == conversation_id)
            .values(contact_global_id=contact_id)
        )
        await session.execute(
            update(CwMessage)
            .where(CwMessage.conversation_global_id == conversation_id)
            .values(contact_global_id=contact_id)
        )

    async def delete_chunks_of_messages(self, session: AsyncSession, ids: Sequence[str]) -> int:
        """The chunks (and vectors) of these messages; their rows stay."""
        return await self._delete_chunks(session, messages=ids)

    async def messages_created_before(
        self, session: AsyncSession, account_id: int, before: datetime, *, limit: int
    ) -> list[tuple[str, str | None]]:
        """Up to ``limit`` (message id, conversation id) of the account created before
        ``before``, oldest first, locked (``SKIP LOCKED``: a webhook editing one waits for no
        one, and the next batch takes it)."""
        rows = await session.execute(
            select(CwMessage.id, CwMessage.conversation_global_id)
            .where(CwMessage.account_id == account_id, CwMessage.created_at < before)
            .order_by(CwMessage.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [(row[0], row[1]) for row in rows]

    async def empty_conversations(self, session: AsyncSession, ids: Sequence[str]) -> list[str]:
        """Those of these conversations that have no message left."""
        if not ids:
            return []
        has_message = select(CwMessage.id).where(
            CwMessage.conversation_global_id == CwConversation.id
        )
        return list(
            (
                await session.scalars(
                    select(CwConversation.id)
                    .where(_among(CwConversation.id, ids), ~has_message.exists())
                    .order_by(CwConversation.id)
                )
            ).all()
        )

    async def _delete_chunks(
        self,
        session: AsyncSession,
        *,
        messages: Sequence[str] = (),
        conversations: Sequence[str] = (),
    ) -> int:
        if not messages and not conversations:
            return 0
        result = await session.execute(
            delete(RagChunk).where(
                or_(
                    _among(RagChunk.message_global_id, messages),
                    _among(RagChunk.conversation_global_id, conversations),
                )
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def _delete_outbox(
        self,
        session: AsyncSession,
        *,
        messages: Sequence[str] = (),
        conversations: Sequence[str] = (),
        contacts: Sequence[str] = (),
    ) -> int:
        data = EventOutbox.payload["data"]
        named = [
            _among(data[key].astext, ids)
            for key, ids in (
                ("message_global_id", messages),
                ("conversation_global_id", conversations),
                ("contact_global_id", contacts),
            )
            if ids
        ]
        if not named:
            return 0
        result = await session.execute(delete(EventOutbox).where(or_(*named)))
        return int(result.rowcount)  # type: ignore[attr-defined]


deletion_repository = DeletionRepository()
