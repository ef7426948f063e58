"""SQL of handoffs; every read and change goes through a conversation-scope condition."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from parley_schema.models import CwConversation, Handoff, HandoffStatus
from sqlalchemy import ColumnElement, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

_OPEN = text("status <> 'resolved'")


def _in(in_scope: ColumnElement[bool]) -> ColumnElement[bool]:
    """Handoffs of the conversations ``in_scope`` selects."""
    return Handoff.conversation_global_id.in_(select(CwConversation.id).where(in_scope))


class HandoffRepository:
    async def open_for(
        self,
        session: AsyncSession,
        *,
        conversation_id: str,
        reason: str,
        reasons: list[dict[str, Any]],
    ) -> uuid.UUID:
        """The conversation's open handoff: the existing one, else a new pending one."""
        created: uuid.UUID | None = await session.scalar(
            insert(Handoff)
            .values(
                conversation_global_id=conversation_id,
                recommended=True,
                reason=reason,
                reasons=reasons,
            )
            .on_conflict_do_nothing(index_elements=["conversation_global_id"], index_where=_OPEN)
            .returning(Handoff.id)
        )
        if created is not None:
            return created
        existing: uuid.UUID | None = await session.scalar(
            select(Handoff.id).where(Handoff.conversation_global_id == conversation_id, _OPEN)
        )
        if existing is None:  # resolved between the two statements: open a new one
            return await self.open_for(
                session, conversation_id=conversation_id, reason=reason, reasons=reasons
            )
        return existing

    async def page(
        self,
        session: AsyncSession,
        *,
        in_scope: ColumnElement[bool],
        statuses: Collection[HandoffStatus] | None,
        conversation_id: str | None,
        offset: int,
        limit: int,
    ) -> Sequence[Handoff]:
        conditions = [_in(in_scope)]
        if statuses:
            conditions.append(Handoff.status.in_([str(s) for s in statuses]))
        if conversation_id is not None:
            conditions.append(Handoff.conversation_global_id == conversation_id)
        rows = await session.scalars(
            select(Handoff)
            .where(*conditions)
            .order_by(Handoff.created_at.desc(), Handoff.id)
            .offset(offset)
            .limit(limit)
        )
        return list(rows)

    async def get(
        self, session: AsyncSession, handoff_id: uuid.UUID, in_scope: ColumnElement[bool]
    ) -> Handoff | None:
        return await session.scalar(select(Handoff).where(Handoff.id == handoff_id, _in(in_scope)))

    async def move(
        self,
        session: AsyncSession,
        handoff_id: uuid.UUID,
        *,
        status: HandoffStatus,
        from_statuses: Collection[HandoffStatus],
        provider: str | None,
    ) -> Handoff | None:
        """The handoff moved to ``status``, if it still was in one of ``from_statuses``."""
        values: dict[str, Any] = {"status": str(status), "updated_at": func.now()}
        if provider is not None:
            values["provider"] = provider
        moved: Handoff | None = await session.scalar(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.status.in_([str(s) for s in from_statuses]))
            .values(**values)
            .returning(Handoff)
            .execution_options(populate_existing=True)
        )
        return moved


handoff_repository = HandoffRepository()
