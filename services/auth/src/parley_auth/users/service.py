"""Creating users: directly (the first admin, from the CLI) or from a confirmed signup."""

from __future__ import annotations

import structlog
from parley_schema.models import AppUser
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.passwords import Hasher
from parley_auth.users.errors import UsernameTaken
from parley_auth.users.repository import user_repository

log = structlog.get_logger(__name__)


class UserService:
    def __init__(self, *, hasher: Hasher) -> None:
        self._hasher = hasher

    async def create(self, session: AsyncSession, *, username: str, password: str) -> AppUser:
        password_hash = await self._hasher.hash_password(password)
        return await self.create_with_hash(session, username=username, password_hash=password_hash)

    async def create_with_hash(
        self, session: AsyncSession, *, username: str, password_hash: str
    ) -> AppUser:
        """A signup stores the password's hash when it is requested; the user gets that one."""
        user = await user_repository.create(session, username=username, password_hash=password_hash)
        if user is None:
            raise UsernameTaken("this username is taken", field="username")
        log.info("user_created", user_id=str(user.id))
        return user
