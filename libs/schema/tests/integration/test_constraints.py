"""The schema itself refuses invalid rows, whatever code writes them."""

from __future__ import annotations

import pytest
from parley_schema.models import Project, ProjectSource, RagChunk
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession


async def test_chunk_status_outside_the_lifecycle_is_rejected(db_session: AsyncSession) -> None:
    with pytest.raises(IntegrityError, match="ck_rag_chunks_embedding_status"):
        await db_session.execute(
            insert(RagChunk).values(
                message_global_id="cwmsg:1:1", chunk_index=0, text="hi", embedding_status="done"
            )
        )


async def test_one_chunk_per_message_and_index(db_session: AsyncSession) -> None:
    values = {"message_global_id": "cwmsg:1:2", "chunk_index": 0, "text": "hello"}
    await db_session.execute(insert(RagChunk).values(**values))
    with pytest.raises(IntegrityError, match="uq_rag_chunks_message_global_id_chunk_index"):
        await db_session.execute(insert(RagChunk).values(**values))


async def test_keyword_vector_is_generated_from_chunk_text(db_session: AsyncSession) -> None:
    await db_session.execute(
        insert(RagChunk).values(
            message_global_id="cwmsg:1:3", chunk_index=0, text="Refunds were processed"
        )
    )
    matches = await db_session.scalar(
        select(RagChunk.message_global_id).where(
            text("text_tsv @@ plainto_tsquery('english', 'refund process')")
        )
    )
    assert matches == "cwmsg:1:3"


async def test_vectors_of_another_dimension_than_their_models_are_rejected(
    db_session: AsyncSession,
) -> None:
    # the slot has no dimension; the held model's partial index casts to its own (0015)
    with pytest.raises(Exception, match="expected 384 dimensions"):
        await db_session.execute(
            insert(RagChunk).values(
                message_global_id="cwmsg:1:4",
                chunk_index=0,
                text="x",
                embedding=[0.1, 0.2],
                embedding_model="sentence-transformers/all-MiniLM-L6-v2",
            )
        )


async def test_a_whole_account_source_is_listed_once_per_project(db_session: AsyncSession) -> None:
    project_id = await db_session.scalar(insert(Project).values(name="p").returning(Project.id))
    await db_session.execute(insert(ProjectSource).values(project_id=project_id, account_id=1))
    with pytest.raises(IntegrityError, match="uq_project_sources_project_account_inbox"):
        await db_session.execute(insert(ProjectSource).values(project_id=project_id, account_id=1))
