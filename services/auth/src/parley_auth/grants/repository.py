"""SQL for ``source_grants``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from parley_schema.models import AppUser, SourceGrant
from sqlalchemy import ColumnElement, Row, Select, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

GrantRow = Row[SourceGrant, str]


def _with_username() -> Select[SourceGrant, str]:
    return select(SourceGrant, AppUser.username).join(AppUser, AppUser.id == SourceGrant.user_id)


class GrantRepository:
    async def add(
        self,
        session: AsyncSession,
        *,
        user_id: uuid.UUID,
        account_id: int,
        inbox_id: int | None,
        granted_by: uuid.UUID | None,
    ) -> GrantRow:
        """The grant with its user's name; an existing one for the same source is kept."""
        await session.execute(
            insert(SourceGrant)
            .values(
                user_id=user_id, account_id=account_id, inbox_id=inbox_id, granted_by=granted_by
            )
            .on_conflict_do_nothing()
        )
        row = (
            await session.execute(
                _with_username().where(*self._same(user_id, account_id, inbox_id))
            )
        ).one()
        return row

    async def list_for(self, session: AsyncSession, username: str | None) -> Sequence[GrantRow]:
        """Every grant, or only ``username``'s; by username, account, whole account first."""
        query = _with_username()
        if username is not None:
            query = query.where(AppUser.username == username)
        result = await session.execute(
            query.order_by(
                AppUser.username, SourceGrant.account_id, SourceGrant.inbox_id.nulls_first()
            )
        )
        return result.all()

    async def delete(self, session: AsyncSession, grant_id: uuid.UUID) -> bool:
        """False when there is no such grant."""
        removed = await session.scalar(
            delete(SourceGrant).where(SourceGrant.id == grant_id).returning(SourceGrant.id)
        )
        return removed is not None

    async def delete_matching(
        self, session: AsyncSession, *, user_id: uuid.UUID, account_id: int, inbox_id: int | None
    ) -> bool:
        """Delete the grant of exactly this source; False when there is none."""
        removed = await session.scalar(
            delete(SourceGrant)
            .where(*self._same(user_id, account_id, inbox_id))
            .returning(SourceGrant.id)
        )
        return removed is not None

    async def granted_inboxes(
        self, session: AsyncSession, user_id: uuid.UUID, account_id: int
    ) -> list[int | None]:
        """The user's grants on the account: inbox ids, None for the whole account."""
        result = await session.scalars(
            select(SourceGrant.inbox_id).where(
                SourceGrant.user_id == user_id, SourceGrant.account_id == account_id
            )
        )
        return list(result.all())

    @staticmethod
    def _same(
        user_id: uuid.UUID, account_id: int, inbox_id: int | None
    ) -> tuple[ColumnElement[bool], ...]:
        return (
            SourceGrant.user_id == user_id,
            SourceGrant.account_id == account_id,
            SourceGrant.inbox_id.is_not_distinct_from(inbox_id),
        )


grant_repository = GrantRepository()
