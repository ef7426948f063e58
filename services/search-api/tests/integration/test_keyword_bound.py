"""Keyword search ranks a bounded number of matches: a common word costs what a rare one does."""

from __future__ import annotations

import uuid

from parley_schema.models import EmbeddingStatus, RagChunk
from parley_search_api.access.scope import ProjectScope, Source
from parley_search_api.search.conditions import chunk_conditions
from parley_search_api.search.repository import search_repository
from parley_search_api.search.schemas import SearchFilters
from parley_search_api.settings import TextSearchConfig
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

COMMON = 40


async def _load(session: AsyncSession) -> None:
    texts = [f"please refund my order {n}" for n in range(COMMON)]
    texts.append("refund for order ORD-77123 please")
    await session.execute(
        insert(RagChunk),
        [
            {
                "conversation_global_id": f"cw:1:{n}",
                "message_global_id": f"cwmsg:1:{n}",
                "chunk_index": 0,
                "text": text,
                "embedding_status": EmbeddingStatus.READY,
                "account_id": 1,
                "inbox_id": 1,
            }
            for n, text in enumerate(texts)
        ],
    )


async def _keyword(session: AsyncSession, query: str, *, rank_limit: int) -> list[str]:
    scope = ProjectScope(user_id=uuid.uuid4(), project_id=uuid.uuid4(), sources=(Source(1, None),))
    conditions = chunk_conditions(scope, SearchFilters())
    found = await search_repository.keyword(
        session,
        query=query,
        config=TextSearchConfig.ENGLISH,
        conditions=conditions,
        vocabulary=conditions,
        limit=10,
        rank_limit=rank_limit,
        typo_fallback_below=0,
    )
    return [candidate.conversation_id for candidate in found]


async def test_only_rank_limit_matches_are_ranked(db_session: AsyncSession) -> None:
    await _load(db_session)

    assert len(await _keyword(db_session, "refund", rank_limit=5)) == 5
    assert len(await _keyword(db_session, "refund", rank_limit=COMMON * 2)) == 10


async def test_a_rare_identifier_is_found_under_any_bound(db_session: AsyncSession) -> None:
    await _load(db_session)

    assert await _keyword(db_session, "refund ORD-77123", rank_limit=1) == [f"cw:1:{COMMON}"]
