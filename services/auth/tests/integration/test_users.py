"""The first user ever created is an administrator, decided atomically.

This module's database must start without users: keep every test that creates users
elsewhere.
"""

from __future__ import annotations

import asyncio

from parley_auth.passwords import Hasher
from parley_auth.settings import AuthSettings
from parley_auth.users.service import UserService
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.models import AppUser


async def test_of_concurrent_first_users_exactly_one_is_an_administrator(
    settings: AuthSettings,
) -> None:
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    users = UserService(hasher=Hasher(settings))

    async def create(name: str, *, admin: bool = False) -> AppUser:
        async with sessionmaker() as session, session.begin():
            return await users.create(
                session, username=name, password="a long enough password", admin=admin
            )

    try:
        first = await asyncio.gather(*(create(f"first-{i}") for i in range(6)))
        assert sorted(user.is_admin for user in first) == [False] * 5 + [True]
        assert (await create("later")).is_admin is False
        assert (await create("asked", admin=True)).is_admin is True
    finally:
        await engine.dispose()
