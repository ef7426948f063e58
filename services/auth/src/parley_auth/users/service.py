"""Creating users: directly (administrators, from the CLI) or from a confirmed signup.

The first user ever created is an administrator, however it is created (see
``UserRepository.create``); later ones only when asked for (``parley auth create-user
--admin``).
"""

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

    async def create(
        self, session: AsyncSession, *, username: str, password: str, admin: bool = False
    ) -> AppUser:
        password_hash = await self._hasher.hash_password(password)
        return await self.create_with_hash(
            session, username=username, password_hash=password_hash, admin=admin
        )

    async def create_with_hash(
        self, session: AsyncSession, *, username: str, password_hash: str, admin: bool = False
    ) -> AppUser:
        """A signup stores the password's hash when it is requested; the user gets that one."""
        user = await user_repository.create(
            session, username=username, password_hash=password_hash, admin=admin
        )
        if user is None:
            raise UsernameTaken("this username is taken", field="username")
        log.info("user_created", user_id=str(user.id), admin=user.is_admin)
        return user
