"""Bench-only pieces: a caller with an API token (query vectors: PrecomputedProvider)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from parley_search_api.access.scope import ProjectScope, Source
from parley_testing.factories import make_api_caller
from sqlalchemy.ext.asyncio import AsyncSession


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
