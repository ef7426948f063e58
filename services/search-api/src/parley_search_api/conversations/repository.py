"""SQL for one conversation: its facts and its messages in order."""

from __future__ import annotations

from parley_schema.models import CwContact, CwConversation, CwMessage
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.conversations.rows import (
    ConversationFacts,
    MessageRow,
    conversation_columns,
    conversation_facts,
)

_FACTS = conversation_columns(CwConversation.id, CwConversation.account_id, CwConversation.inbox_id)


class ConversationRepository:
    async def facts(
        self, session: AsyncSession, global_id: str, in_scope: ColumnElement[bool]
    ) -> ConversationFacts | None:
        row = (
            await session.execute(
                select(*_FACTS)
                .outerjoin(CwContact, CwContact.id == CwConversation.contact_global_id)
                .where(CwConversation.id == global_id, in_scope)
            )
        ).one_or_none()
        return None if row is None else conversation_facts(row._mapping)

    async def messages(
        self, session: AsyncSession, global_id: str, *, include_private: bool, limit: int
    ) -> list[MessageRow]:
        conditions = [CwMessage.conversation_global_id == global_id, CwMessage.deleted_at.is_(None)]
        if not include_private:
            conditions.append(CwMessage.private.is_(False))
        rows = await session.execute(
            select(
                CwMessage.id,
                CwMessage.sender_type,
                CwMessage.data["sender"]["name"].astext.label("sender_name"),
                CwMessage.message_type,
                CwMessage.private,
                CwMessage.created_at,
                CwMessage.content,
            )
            .where(*conditions)
            .order_by(CwMessage.created_at, CwMessage.message_id)
            .limit(limit)
        )
        return [MessageRow(**row._mapping) for row in rows]


conversation_repository = ConversationRepository()
