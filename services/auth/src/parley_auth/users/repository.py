"""SQL for ``app_users``."""

from __future__ import annotations

from parley_schema.models import AppUser
from sqlalchemy import func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

# Serialises user creation until commit, so "is this the first user?" has one answer.
_FIRST_USER_LOCK = "parley:app_users:first_user"


class UserRepository:
    async def get_by_username(self, session: AsyncSession, username: str) -> AppUser | None:
        return await session.scalar(select(AppUser).where(AppUser.username == username))

    async def create(
        self, session: AsyncSession, *, username: str, password_hash: str, admin: bool
    ) -> AppUser | None:
        """The new user, or None when the username is taken (no exception, no aborted txn).

        The user is an administrator when ``admin`` is asked for or no user exists yet. A
        transaction advisory lock, held until commit, makes concurrent first users wait for
        each other; the insert's snapshot is taken after the lock, so exactly one of them
        finds the table empty.
        """
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(_FIRST_USER_LOCK))))
        values = select(
            literal(username),
            literal(password_hash),
            or_(literal(admin), ~select(AppUser.id).exists()),
        )
        user_id = await session.scalar(
            insert(AppUser)
            .from_select(["username", "password_hash", "is_admin"], values)
            .on_conflict_do_nothing(index_elements=[AppUser.username])
            .returning(AppUser.id)
        )
        return None if user_id is None else await session.get(AppUser, user_id)


user_repository = UserRepository()
