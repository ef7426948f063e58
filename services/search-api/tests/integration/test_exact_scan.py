"""The exact scan under a selective filter reads the model's scan index alone: the chunks the
filter leaves, nearest by sign bits, then by cosine (``repository.semantic_statement``).

The rows are committed and vacuumed, as autovacuum leaves a table: an index-only scan skips
the heap only for pages the visibility map marks all-visible. Vectors are synthetic
(clustered, normalised, as in ``test_filtered_recall``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import numpy as np
import pytest
from parley_schema.models import RagChunk
from parley_schema.vector_slots import SlotModel
from parley_search_api.access.scope import ProjectScope, Source
from parley_search_api.search.conditions import chunk_conditions
from parley_search_api.search.repository import search_repository
from parley_search_api.search.schemas import SearchFilters
from parley_search_api_testkit import VECTOR_MODEL, clustered_vectors, vector_chunk
from sqlalchemy import ColumnElement, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

ROWS, INBOX_ROWS, DIM, CLUSTERS, K = 4000, 1200, 384, 20, 10
VECTORS = SlotModel(VECTOR_MODEL, 1, DIM)  # the model the test template database registers
SCOPE = ProjectScope(user_id=uuid.uuid4(), project_id=uuid.uuid4(), sources=(Source(1, None),))


def _vectors(rng: np.random.Generator, count: int) -> np.ndarray:
    return clustered_vectors(rng, count, clusters=CLUSTERS, dim=DIM)


@pytest.fixture(scope="module")
async def vectors(db_engine: AsyncEngine) -> AsyncIterator[np.ndarray]:
    """Committed chunks, the first ``INBOX_ROWS`` in inbox 2, the rest in inbox 1."""
    vectors = _vectors(np.random.default_rng(7), ROWS)
    async with db_engine.begin() as connection:
        # the test server commits asynchronously; VACUUM marks a page all-visible only once
        # the commit that wrote its rows is flushed
        await connection.execute(text("SET LOCAL synchronous_commit = on"))
        await connection.execute(
            insert(RagChunk),
            [vector_chunk(n, vectors[n], inbox_id=2 if n < INBOX_ROWS else 1) for n in range(ROWS)],
        )
    async with db_engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE rag_chunks"))
    yield vectors
    async with db_engine.begin() as connection:
        await connection.execute(text("DELETE FROM rag_chunks"))


def _inbox() -> list[ColumnElement[bool]]:
    return chunk_conditions(SCOPE, SearchFilters(inbox_ids=[2]))


async def test_the_scan_reads_the_scan_index_and_no_chunk_row_but_the_nearest(
    db_session: AsyncSession, vectors: np.ndarray
) -> None:
    assert await search_repository.scans_exactly(
        db_session, model=VECTORS, conditions=_inbox(), exact_below=ROWS // 2
    )
    statement = search_repository.semantic_statement(
        vector=vectors[0].tolist(), model=VECTORS, conditions=_inbox(), limit=K, exact=True
    )
    compiled = statement.compile(compile_kwargs={"literal_binds": True})
    plan = "\n".join(
        row[0] for row in await db_session.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF) {compiled}"))
    )
    assert "Index Only Scan using ix_rag_chunks_embedding_scan" in plan
    assert "Heap Fetches: 0" in plan
    assert "ix_rag_chunks_embedding_hnsw" not in plan


async def test_the_scan_finds_the_nearest_chunks_of_the_inbox_with_their_cosines(
    db_session: AsyncSession, vectors: np.ndarray
) -> None:
    # a query near some chunk of the inbox, as a question near the messages that answer it
    rng = np.random.default_rng(11)
    inbox = vectors[:INBOX_ROWS]
    near = inbox[rng.integers(0, INBOX_ROWS, 20)] + 0.05 * rng.normal(size=(20, DIM))
    queries = near / np.linalg.norm(near, axis=1, keepdims=True)
    recalls = []
    for query in queries:
        cosines = inbox @ query
        expected = {f"cw:1:{n}" for n in np.argsort(-cosines)[:K]}
        found = await search_repository.semantic(
            db_session,
            vector=query.tolist(),
            model=VECTORS,
            conditions=_inbox(),
            limit=K,
            exact_below=ROWS // 2,
        )
        assert len(found) == K
        for hit in found:
            n = int(hit.conversation_id.removeprefix("cw:1:"))
            assert n < INBOX_ROWS  # never a chunk the filter leaves out
            assert hit.score == pytest.approx(cosines[n], abs=1e-5)
        recalls.append(len(expected & {c.conversation_id for c in found}) / K)
    assert np.mean(recalls) >= 0.95
