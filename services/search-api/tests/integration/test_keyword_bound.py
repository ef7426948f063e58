"""Keyword search does bounded work: it ranks a bounded number of matches (a common word costs
what a rare one does), and the typo fallback runs only for short queries and scores a bounded
number of trigram matches."""

from __future__ import annotations

import random
import string
import uuid

from parley_schema.models import EmbeddingStatus, RagChunk
from parley_search_api.access.scope import ProjectScope, Source
from parley_search_api.search import keyword
from parley_search_api.search.conditions import keyed_chunk_conditions
from parley_search_api.search.keyword import KeywordBounds, keyword_repository
from parley_search_api.search.schemas import SearchFilters
from parley_search_api.search.typo_fallback import TypoFallback
from parley_search_api.settings import TextSearchConfig
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

COMMON = 40


async def _load(session: AsyncSession, texts: list[str] | None = None) -> None:
    if texts is None:
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


NO_TYPOS = TypoFallback(below=0, max_words=4, candidates=100)


async def _keyword(
    session: AsyncSession,
    query: str,
    *,
    rank_limit: int = 100,
    common_postings: int = 1000,
    common_rank_limit: int = 100,
    typo: TypoFallback = NO_TYPOS,
    scope: ProjectScope | None = None,
) -> list[str]:
    scope = scope or ProjectScope(
        user_id=uuid.uuid4(), project_id=uuid.uuid4(), sources=(Source(1, None),)
    )
    conditions = keyed_chunk_conditions(scope, SearchFilters())
    found = await keyword_repository.search(
        session,
        query=query,
        config=TextSearchConfig.ENGLISH,
        conditions=conditions,
        vocabulary=conditions,
        limit=10,
        bounds=KeywordBounds(rank_limit, common_postings, common_rank_limit),
        typo=typo,
    )
    return [candidate.conversation_id for candidate in found]


async def test_only_rank_limit_matches_are_ranked(db_session: AsyncSession) -> None:
    await _load(db_session)

    assert len(await _keyword(db_session, "refund", rank_limit=5)) == 5
    assert len(await _keyword(db_session, "refund", rank_limit=COMMON * 2)) == 10


async def test_statements_built_once_per_shape_take_each_searchs_own_values(
    db_session: AsyncSession,
) -> None:
    await _load(
        db_session,
        ["printer jams on tray two", "invoice was charged twice", "printer toner is empty"],
    )
    scope = ProjectScope(user_id=uuid.uuid4(), project_id=uuid.uuid4(), sources=(Source(1, None),))
    reused = keyword._bm25_statement.cache_info().hits

    async def found(query: str) -> set[str]:
        return set(await _keyword(db_session, query, scope=scope))

    assert await found("printer") == {"cw:1:0", "cw:1:2"}
    assert await found("invoice") == {"cw:1:1"}  # one selecting lexeme, as "printer"
    assert await found('"printer toner" -jams') == {"cw:1:2"}
    assert await found('"invoice was" -twice') == set()  # a phrase and an exclusion, as above
    assert await found('"toner is" -tray') == {"cw:1:2"}
    assert keyword._bm25_statement.cache_info().hits - reused == 3


async def test_a_query_of_common_words_alone_ranks_common_rank_limit_matches(
    db_session: AsyncSession,
) -> None:
    await _load(db_session)  # "refund" and "order" are in all 41 chunks: common at 20

    async def ranked(query: str, common_rank_limit: int) -> list[str]:
        return await _keyword(
            db_session,
            query,
            rank_limit=1000,
            common_postings=20,
            common_rank_limit=common_rank_limit,
        )

    assert len(await ranked("refund order", 4)) == 4
    assert len(await ranked("refund order", 100)) == 10
    # A rare word selects chunks under rank_limit, whatever common_rank_limit says:
    assert await ranked("refund ORD-77123", 1) == [f"cw:1:{COMMON}"]


async def test_a_rare_identifier_is_found_under_any_bound(db_session: AsyncSession) -> None:
    await _load(db_session)

    assert await _keyword(db_session, "refund ORD-77123", rank_limit=1) == [f"cw:1:{COMMON}"]


RENEWALS = [f"the subscription renewal failed on day {n}" for n in range(COMMON)]


async def test_the_typo_fallback_scores_at_most_its_candidates(db_session: AsyncSession) -> None:
    await _load(db_session, RENEWALS)

    few = await _keyword(db_session, "subscripton", typo=TypoFallback(10, 4, candidates=3))
    many = await _keyword(db_session, "subscripton", typo=TypoFallback(10, 4, candidates=100))

    assert (len(few), len(many)) == (3, 10)


async def test_a_query_past_max_words_gets_no_typo_search(db_session: AsyncSession) -> None:
    await _load(db_session, RENEWALS)
    typos = TypoFallback(below=10, max_words=2, candidates=100)

    assert await _keyword(db_session, "subscripton renewel", typo=typos)
    assert await _keyword(db_session, "subscripton renewel failde", typo=typos) == []


async def test_a_word_the_statistics_show_common_is_common_without_a_count(
    db_session: AsyncSession,
) -> None:
    # A word no other test writes: in 5 of the caller's chunks and 60 of another account's.
    word = "".join(random.choice(string.ascii_lowercase) for _ in range(12))
    await db_session.execute(
        insert(RagChunk),
        [
            {
                "conversation_global_id": f"cw:{account}:{n}",
                "message_global_id": f"cwmsg:{account}:{n}",
                "chunk_index": 0,
                "text": f"{word} number {n}",
                "embedding_status": EmbeddingStatus.READY,
                "account_id": account,
                "inbox_id": 1,
            }
            for account, count in ((1, 5), (2, 60))
            for n in range(count)
        ],
    )
    scope = ProjectScope(user_id=uuid.uuid4(), project_id=uuid.uuid4(), sources=(Source(1, None),))

    async def postings() -> int:
        stats = await keyword_repository.statistics(
            db_session,
            words=[word],
            config=TextSearchConfig.ENGLISH,
            vocabulary=keyed_chunk_conditions(scope, SearchFilters()),
            common_postings=20,
        )
        return stats.terms[0].postings

    assert await postings() == 5  # counted among the caller's chunks: rare
    await db_session.execute(text("ANALYZE rag_chunks"))
    # the statistics are of the whole table (65 of 65 chunks), as the IDFs' chunk count is
    assert await postings() == 20
