"""A selective filter keeps recall: pgvector's iterative HNSW scan against exact search, and
the exact scan search-api switches to when an index narrows the filter to few chunks.

Vectors are synthetic (clustered, normalised); the filter keeps about 2 % of the rows. At
test size the planner would rather scan everything (which is exact), so for the HNSW test
sequential and bitmap scans are disabled to get the plan it picks on production-sized
tables: the HNSW index, filtered after.
"""

from __future__ import annotations

import uuid

import numpy as np
from parley_schema.models import RagChunk
from parley_schema.vector_slots import SlotModel
from parley_search_api.access.scope import ProjectScope, Source
from parley_search_api.search.conditions import chunk_conditions
from parley_search_api.search.plan import table_access
from parley_search_api.search.repository import search_repository
from parley_search_api.search.schemas import MessageType, SearchFilters
from parley_search_api_testkit import VECTOR_MODEL, clustered_vectors, vector_chunk
from sqlalchemy import ColumnElement, Select, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

ROWS, DIM, CLUSTERS, K = 3000, 384, 20, 10
VECTORS = SlotModel(VECTOR_MODEL, 1, DIM)  # the model the test template database registers


def _vectors(rng: np.random.Generator, count: int) -> np.ndarray:
    return clustered_vectors(rng, count, clusters=CLUSTERS, dim=DIM)


async def _load(session: AsyncSession) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    vectors = _vectors(rng, ROWS)
    rare = rng.random(ROWS) < 0.02
    await session.execute(
        insert(RagChunk),
        [
            vector_chunk(
                n,
                vectors[n],
                inbox_id=2 if rare[n] else 1,
                message_type="template" if rare[n] else "incoming",
            )
            for n in range(ROWS)
        ],
    )
    await session.execute(text("ANALYZE rag_chunks"))
    return vectors, rare


SCOPE = ProjectScope(user_id=uuid.uuid4(), project_id=uuid.uuid4(), sources=(Source(1, None),))


async def test_selective_filter_keeps_recall_with_iterative_scan(
    db_session: AsyncSession,
) -> None:
    vectors, rare = await _load(db_session)
    conditions = chunk_conditions(SCOPE, SearchFilters(message_types=[MessageType.TEMPLATE]))
    queries = _vectors(np.random.default_rng(11), 10)

    await db_session.execute(text("SET LOCAL enable_seqscan = off"))
    await db_session.execute(text("SET LOCAL enable_bitmapscan = off"))
    statement = search_repository.semantic_statement(
        vector=queries[0].tolist(), model=VECTORS, conditions=conditions, limit=K
    )
    plan = await db_session.execute(
        text("EXPLAIN " + str(statement.compile(compile_kwargs={"literal_binds": True})))
    )
    assert "ix_rag_chunks_embedding_hnsw" in "\n".join(row[0] for row in plan)

    recalls, plain_counts = [], []
    for query in queries:
        exact = np.argsort(-(vectors[rare] @ query))[:K]
        expected = {f"cw:1:{n}" for n in np.flatnonzero(rare)[exact]}
        await search_repository.tune(
            db_session, ef_search=40, max_scan_tuples=20_000, trigram_threshold=0.6
        )
        found = await search_repository.semantic(
            db_session, vector=query.tolist(), model=VECTORS, conditions=conditions, limit=K
        )
        recalls.append(len(expected & {c.conversation_id for c in found}) / K)
        await db_session.execute(text("SET LOCAL hnsw.iterative_scan = off"))
        plain = await search_repository.semantic(
            db_session, vector=query.tolist(), model=VECTORS, conditions=conditions, limit=K
        )
        plain_counts.append(len(plain))

    assert np.mean(recalls) >= 0.95
    assert np.mean(plain_counts) < K / 2  # without iterative scans the filter starves the index


async def test_a_filter_an_index_narrows_to_few_chunks_is_searched_exactly(
    db_session: AsyncSession,
) -> None:
    vectors, rare = await _load(db_session)
    by_inbox = chunk_conditions(SCOPE, SearchFilters(inbox_ids=[2]))  # indexed
    by_type = chunk_conditions(SCOPE, SearchFilters(message_types=[MessageType.TEMPLATE]))
    queries = _vectors(np.random.default_rng(11), 10)

    def statement(
        conditions: list[ColumnElement[bool]], *, exact: bool
    ) -> Select[uuid.UUID, str | None, float]:
        return search_repository.semantic_statement(
            vector=queries[0].tolist(), model=VECTORS, conditions=conditions, limit=K, exact=exact
        )

    inbox_access = await table_access(db_session, statement(by_inbox, exact=True), "rag_chunks")
    type_access = await table_access(db_session, statement(by_type, exact=True), "rag_chunks")
    assert not inbox_access.sequential
    assert inbox_access.rows < ROWS / 10
    assert type_access.sequential  # no index on message_type: the HNSW index it is

    # the exact ordering is one the HNSW index cannot serve, even where the planner would
    # rather use it (sequential and bitmap scans off, as in the test above)
    await db_session.execute(text("SET LOCAL enable_seqscan = off"))
    await db_session.execute(text("SET LOCAL enable_bitmapscan = off"))
    for exact in (False, True):
        compiled = statement(by_type, exact=exact).compile(compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[0] for row in await db_session.execute(text(f"EXPLAIN {compiled}")))
        assert ("ix_rag_chunks_embedding_hnsw" in plan) is not exact
    await db_session.execute(text("RESET enable_seqscan"))
    await db_session.execute(text("RESET enable_bitmapscan"))

    for query in queries:
        exact_top = np.argsort(-(vectors[rare] @ query))[:K]
        expected = {f"cw:1:{n}" for n in np.flatnonzero(rare)[exact_top]}
        found = await search_repository.semantic(
            db_session,
            vector=query.tolist(),
            model=VECTORS,
            conditions=by_inbox,
            limit=K,
            exact_below=ROWS // 10,
        )
        assert {c.conversation_id for c in found} == expected
