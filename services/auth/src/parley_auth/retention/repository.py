"""SQL for ``account_retention``. Never commits."""

from __future__ import annotations

import uuid

from parley_schema.models import AccountRetention
from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class RetentionRepository:
    async def put(
        self, session: AsyncSession, account_id: int, days: int | None, updated_by: uuid.UUID | None
    ) -> AccountRetention:
        statement = insert(AccountRetention).values(
            account_id=account_id, retention_days=days, updated_by=updated_by
        )
        row: AccountRetention | None = await session.scalar(
            statement.on_conflict_do_update(
                index_elements=["account_id"],
                set_={
                    "retention_days": statement.excluded.retention_days,
                    "updated_by": statement.excluded.updated_by,
                    "updated_at": func.now(),
                },
            )
            .returning(AccountRetention)
            .execution_options(populate_existing=True)
        )
        assert row is not None
        return row

    async def get(self, session: AsyncSession, account_id: int) -> AccountRetention | None:
        return await session.get(AccountRetention, account_id)

    async def delete(self, session: AsyncSession, account_id: int) -> bool:
        """False when the account had no window of its own."""
        removed = await session.scalar(
            delete(AccountRetention)
            .where(AccountRetention.account_id == account_id)
            .returning(AccountRetention.account_id)
        )
        return removed is not None


retention_repository = RetentionRepository()
