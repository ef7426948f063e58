"""Rows that several suites and benchmarks need, written straight into the shared schema."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from parley_authn import hash_secret, new_api_token, shown_prefix
from parley_schema.models import ApiToken, AppUser, Project, ProjectMember, ProjectSource
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class ApiCaller:
    token: str
    user_id: uuid.UUID
    project_id: uuid.UUID


async def make_api_caller(
    session: AsyncSession, *, name: str, account_ids: Sequence[int]
) -> ApiCaller:
    """A user owning a project that may search ``account_ids``, and an API token of it.

    The user has no usable password (``!`` is never an argon2 hash)."""
    project_id, user_id, token = uuid.uuid4(), uuid.uuid4(), new_api_token()
    await session.execute(insert(Project).values(id=project_id, name=name))
    for account_id in account_ids:
        await session.execute(
            insert(ProjectSource).values(project_id=project_id, account_id=account_id)
        )
    await session.execute(
        insert(AppUser).values(id=user_id, username=name, password_hash=f"!{user_id.hex}")
    )
    await session.execute(
        insert(ProjectMember).values(project_id=project_id, user_id=user_id, role="owner")
    )
    await session.execute(
        insert(ApiToken).values(
            project_id=project_id,
            user_id=user_id,
            name=name,
            prefix=shown_prefix(token),
            token_hash=hash_secret(token),
        )
    )
    return ApiCaller(token=token, user_id=user_id, project_id=project_id)
