"""SQL for ``app_users``."""

from __future__ import annotations

from parley_schema.models import AppUser
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class UserRepository:
    async def get_by_username(self, session: AsyncSession, username: str) -> AppUser | None:
        return await session.scalar(select(AppUser).where(AppUser.username == username))

    async def create(
        self, session: AsyncSession, *, username: str, password_hash: str
    ) -> AppUser | None:
        """The new user, or None when the username is taken (no exception, no aborted txn)."""
        user_id = await session.scalar(
            insert(AppUser)
            .values(username=username, password_hash=password_hash)
            .on_conflict_do_nothing(index_elements=[AppUser.username])
            .returning(AppUser.id)
        )
        return None if user_id is None else await session.get(AppUser, user_id)


user_repository = UserRepository()
