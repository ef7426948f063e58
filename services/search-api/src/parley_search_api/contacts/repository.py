"""SQL of contact segments: one page of contacts with their conversation counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parley_schema.models import CwContact, CwConversation
from parley_schema.models.chatwoot import PHONE_DIGITS_SQL
from sqlalchemy import ColumnElement, UnaryExpression, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class ContactRow:
    id: str
    account_id: int
    contact_id: int
    name: str | None
    email: str | None
    phone_number: str | None
    identifier: str | None
    custom_attributes: dict[str, Any]
    labels: list[str] | None
    last_activity_at: datetime | None
    conversation_count: int


def text_match(query: str) -> ColumnElement[bool]:
    """The query in the name, email or identifier (case-insensitive), or its digits in the
    phone number."""
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches: list[ColumnElement[bool]] = [
        column.ilike(pattern, escape="\\")
        for column in (CwContact.name, CwContact.email, CwContact.identifier)
    ]
    digits = "".join(char for char in query if char.isdigit())
    if len(digits) >= 3:
        matches.append(literal_column(PHONE_DIGITS_SQL).contains(digits, autoescape=True))
    return or_(*matches)


class ContactRepository:
    async def page(
        self,
        session: AsyncSession,
        *,
        conditions: Sequence[ColumnElement[bool]],
        conversation_in_scope: ColumnElement[bool],
        order: Sequence[UnaryExpression[Any]],
        offset: int,
        limit: int,
    ) -> list[ContactRow]:
        count = (
            select(func.count())
            .where(CwConversation.contact_global_id == CwContact.id, conversation_in_scope)
            .correlate(CwContact)
            .scalar_subquery()
        )
        rows = await session.execute(
            select(
                CwContact.id,
                CwContact.account_id,
                CwContact.contact_id,
                CwContact.name,
                CwContact.email,
                CwContact.phone_number,
                CwContact.identifier,
                CwContact.custom_attributes,
                CwContact.labels,
                CwContact.last_activity_at,
                count.label("conversation_count"),
            )
            .where(*conditions)
            .order_by(*order, CwContact.id)
            .offset(offset)
            .limit(limit)
        )
        return [ContactRow(**row._mapping) for row in rows]


contact_repository = ContactRepository()
