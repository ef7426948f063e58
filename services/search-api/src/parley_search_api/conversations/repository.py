"""SQL for a conversation, its messages, and its chunks' centroid."""

from __future__ import annotations

from collections.abc import Sequence

from parley_schema.models import CwContact, CwConversation, CwMessage, RagChunk
from pgvector.sqlalchemy import Vector
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.search.hit_repository import ContextRow, ConversationFacts, labels_of


class ConversationRepository:
    async def summary(
        self, session: AsyncSession, global_id: str, in_scope: ColumnElement[bool]
    ) -> ConversationFacts | None:
        row = (
            await session.execute(
                select(
                    CwConversation.id,
                    CwConversation.conversation_id,
                    CwConversation.account_id,
                    CwConversation.inbox_id,
                    CwConversation.status,
                    CwConversation.data["labels"],
                    CwContact.id,
                    CwContact.name,
                )
                .outerjoin(CwContact, CwContact.id == CwConversation.contact_global_id)
                .where(CwConversation.id == global_id, in_scope)
            )
        ).one_or_none()
        if row is None:
            return None
        return ConversationFacts(
            id=row[0],
            display_id=row[1],
            account_id=row[2],
            inbox_id=row[3],
            status=row[4],
            labels=labels_of(row[5]),
            contact_id=row[6],
            contact_name=row[7],
        )

    async def messages(
        self, session: AsyncSession, global_id: str, *, include_private: bool, limit: int
    ) -> list[ContextRow]:
        conditions = [CwMessage.conversation_global_id == global_id, CwMessage.deleted_at.is_(None)]
        if not include_private:
            conditions.append(CwMessage.private.is_(False))
        rows = await session.execute(
            select(
                CwMessage.id,
                CwMessage.sender_type,
                CwMessage.data["sender"]["name"].astext,
                CwMessage.message_type,
                CwMessage.private,
                CwMessage.created_at,
                CwMessage.content,
            )
            .where(*conditions)
            .order_by(CwMessage.created_at, CwMessage.message_id)
            .limit(limit)
        )
        return [ContextRow(global_id, "conversation", *row) for row in rows]

    async def centroid(
        self,
        session: AsyncSession,
        global_id: str,
        *,
        model: str,
        conditions: Sequence[ColumnElement[bool]],
    ) -> list[float] | None:
        """The mean of the conversation's searchable chunk vectors (None: no chunk yet)."""
        value = await session.scalar(
            select(func.avg(RagChunk.embedding, type_=Vector())).where(
                RagChunk.conversation_global_id == global_id,
                RagChunk.embedding_model == model,
                *conditions,
            )
        )
        return None if value is None else [float(x) for x in value]


conversation_repository = ConversationRepository()
