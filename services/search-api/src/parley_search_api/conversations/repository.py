"""SQL for one conversation: its facts and its messages in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parley_schema.models import CwContact, CwConversation, CwMessage
from sqlalchemy import ColumnElement, DateTime, UnaryExpression, func, literal_column, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.conversations.rows import (
    ConversationFacts,
    MessageRow,
    conversation_columns,
    conversation_facts,
)

_FACTS = conversation_columns(CwConversation.id, CwConversation.account_id, CwConversation.inbox_id)

# Chatwoot's times (unix seconds in the stored data); the last activity as the index of
# migration 0011 holds it (models.chatwoot.CONVERSATION_ACTIVITY_SQL).
LAST_ACTIVITY_AT: ColumnElement[datetime] = literal_column(
    "parley_jsonb_epoch(cw_conversations.data -> 'last_activity_at')",
    type_=DateTime(timezone=True),
)
CREATED_AT: ColumnElement[datetime] = func.parley_jsonb_epoch(
    literal_column("cw_conversations.data -> 'created_at'", type_=JSONB),
    type_=DateTime(timezone=True),
)


@dataclass(frozen=True)
class ListedConversation:
    facts: ConversationFacts
    assignee_id: int | None
    custom_attributes: dict[str, Any]
    created_at: datetime | None
    last_activity_at: datetime | None


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

    async def page(
        self,
        session: AsyncSession,
        *,
        conditions: Sequence[ColumnElement[bool]],
        order: UnaryExpression[Any],
        offset: int,
        limit: int,
    ) -> list[ListedConversation]:
        attributes = CwConversation.data["custom_attributes"]
        rows = await session.execute(
            select(
                *_FACTS,
                CwConversation.assignee_id,
                attributes.label("custom_attributes"),
                CREATED_AT.label("created_at"),
                LAST_ACTIVITY_AT.label("last_activity_at"),
            )
            .outerjoin(CwContact, CwContact.id == CwConversation.contact_global_id)
            .where(*conditions)
            .order_by(order, CwConversation.id)
            .offset(offset)
            .limit(limit)
        )
        return [
            ListedConversation(
                facts=conversation_facts(row._mapping),
                assignee_id=row.assignee_id,
                custom_attributes=(
                    row.custom_attributes if isinstance(row.custom_attributes, dict) else {}
                ),
                created_at=row.created_at,
                last_activity_at=row.last_activity_at,
            )
            for row in rows
        ]

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

    async def latest_customer_texts(
        self, session: AsyncSession, global_id: str, *, limit: int
    ) -> list[str]:
        """The texts of its latest ``limit`` public customer messages, oldest first."""
        rows = await session.scalars(
            select(CwMessage.content)
            .where(
                CwMessage.conversation_global_id == global_id,
                CwMessage.deleted_at.is_(None),
                CwMessage.private.is_(False),
                CwMessage.message_type == "incoming",
                func.length(func.btrim(CwMessage.content)) > 0,
            )
            .order_by(CwMessage.created_at.desc(), CwMessage.message_id.desc())
            .limit(limit)
        )
        return [text for text in rows if text][::-1]


conversation_repository = ConversationRepository()
