"""Bench-only pieces: query vectors looked up by text, and a caller with an API token."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from parley_authn import hash_secret, new_api_token
from parley_embeddings.local import LOCAL_DIMENSION, LOCAL_MODEL_NAME
from parley_schema.models import ApiToken, AppUser, Project, ProjectMember, ProjectSource
from parley_search_api.access.scope import ProjectScope, Source
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession


class PrecomputedProvider:
    """The synthetic corpus has vectors but no model behind them: queries carry theirs."""

    def __init__(self, vectors: Mapping[str, list[float]]) -> None:
        self._vectors = dict(vectors)

    @property
    def model_name(self) -> str:
        return LOCAL_MODEL_NAME

    @property
    def dimension(self) -> int:
        return LOCAL_DIMENSION

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._vectors[text] for text in texts]

    def count_tokens(self, text: str) -> int:
        return len(text.split())


async def create_caller(
    session: AsyncSession, *, accounts: Sequence[int]
) -> tuple[str, ProjectScope]:
    project_id, user_id, token = uuid.uuid4(), uuid.uuid4(), new_api_token()
    await session.execute(insert(Project).values(id=project_id, name="bench"))
    for account_id in accounts:
        await session.execute(
            insert(ProjectSource).values(project_id=project_id, account_id=account_id)
        )
    await session.execute(
        insert(AppUser).values(id=user_id, username="bench", password_hash=f"!{user_id.hex}")
    )
    await session.execute(
        insert(ProjectMember).values(project_id=project_id, user_id=user_id, role="owner")
    )
    await session.execute(
        insert(ApiToken).values(
            project_id=project_id,
            user_id=user_id,
            name="bench",
            prefix=token[:12],
            token_hash=hash_secret(token),
        )
    )
    scope = ProjectScope(
        user_id=user_id, project_id=project_id, sources=tuple(Source(a, None) for a in accounts)
    )
    return token, scope
