"""What Parley holds of one account, as reconcile compares it with Chatwoot. Never commits."""

from __future__ import annotations

from dataclasses import dataclass

from parley_schema.models import CwContact, CwConversation
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class StoredConversation:
    id: str
    conversation_id: int  # the display id REST URLs use
    contact_global_id: str | None


class ReconcileRepository:
    async def conversations(
        self, session: AsyncSession, account_id: int
    ) -> list[StoredConversation]:
        rows = await session.execute(
            select(
                CwConversation.id, CwConversation.conversation_id, CwConversation.contact_global_id
            )
            .where(
                CwConversation.account_id == account_id, CwConversation.conversation_id.is_not(None)
            )
            .order_by(CwConversation.id)
        )
        return [StoredConversation(row[0], row[1], row[2]) for row in rows if row[1] is not None]

    async def contacts(self, session: AsyncSession, account_id: int) -> dict[int, str]:
        """Chatwoot contact id → global id."""
        rows = await session.execute(
            select(CwContact.contact_id, CwContact.id).where(CwContact.account_id == account_id)
        )
        return {row[0]: row[1] for row in rows}


reconcile_repository = ReconcileRepository()
