"""Bench-only pieces: query vectors looked up by text, and a caller with an API token."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from parley_embeddings.local import LOCAL_DIMENSION, LOCAL_MODEL_NAME
from parley_search_api.access.scope import ProjectScope, Source
from parley_testing.factories import make_api_caller
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
    # A fresh name per run: a reused database (--data-dir) already has earlier callers.
    caller = await make_api_caller(
        session, name=f"bench-{uuid.uuid4().hex[:8]}", account_ids=accounts
    )
    scope = ProjectScope(
        user_id=caller.user_id,
        project_id=caller.project_id,
        sources=tuple(Source(a, None) for a in accounts),
    )
    return caller.token, scope
