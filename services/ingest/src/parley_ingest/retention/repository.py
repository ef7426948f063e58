"""SQL the retention job reads: accounts, their windows, what a run would delete. Never commits."""

from __future__ import annotations

from datetime import datetime

from parley_schema.models import AccountRetention, CwConversation, CwMessage
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession


class RetentionRepository:
    async def accounts(self, session: AsyncSession) -> list[int]:
        """Every Chatwoot account Parley holds conversations of."""
        rows = await session.scalars(
            select(CwConversation.account_id)
            .where(CwConversation.account_id.is_not(None))
            .distinct()
            .order_by(CwConversation.account_id)
        )
        return [account for account in rows if account is not None]

    async def overrides(self, session: AsyncSession) -> dict[int, int | None]:
        """Account id → its administrator-set window in days (None: kept forever)."""
        rows = await session.execute(
            select(AccountRetention.account_id, AccountRetention.retention_days)
        )
        return {row[0]: row[1] for row in rows}

    async def count_messages_before(
        self, session: AsyncSession, account_id: int, before: datetime
    ) -> int:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(CwMessage)
                .where(CwMessage.account_id == account_id, CwMessage.created_at < before)
            )
            or 0
        )

    async def count_conversations_emptied(
        self, session: AsyncSession, account_id: int, before: datetime
    ) -> int:
        """Conversations whose every message is older than ``before`` (and that have one)."""
        old = select(CwMessage.id).where(
            CwMessage.conversation_global_id == CwConversation.id, CwMessage.created_at < before
        )
        kept = select(CwMessage.id).where(
            CwMessage.conversation_global_id == CwConversation.id,
            or_(CwMessage.created_at >= before, CwMessage.created_at.is_(None)),
        )
        return int(
            await session.scalar(
                select(func.count())
                .select_from(CwConversation)
                .where(CwConversation.account_id == account_id, old.exists(), ~kept.exists())
            )
            or 0
        )


retention_repository = RetentionRepository()
