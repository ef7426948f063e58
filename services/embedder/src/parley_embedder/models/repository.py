"""SQL of embedding models: registration, coverage, the back-fill's reads and writes. Never
commits (the index statements of ``parley embeddings`` run outside a transaction: see cli)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parley_schema.models import EmbeddingModel, EmbeddingStatus, RagChunk
from parley_schema.vector_slots import SlotModel
from sqlalchemy import ColumnElement, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley_embedder.chunks.repository import chunks as chunk_table
from parley_embedder.chunks.repository import slot_values
from parley_embedder.models.vectors import ModelVectors, slot_parameters


@dataclass(frozen=True)
class MissingChunk:
    id: uuid.UUID
    text: str
    text_hash: str | None


@dataclass(frozen=True)
class Coverage:
    """Of the ``ready`` chunks, how many hold the model's vector."""

    covered: int
    total: int

    @property
    def complete(self) -> bool:
        return self.covered >= self.total

    @property
    def ratio(self) -> float:
        return self.covered / self.total if self.total else 1.0


def _lacking(model: SlotModel) -> ColumnElement[bool]:
    return (
        RagChunk.embedding_status == EmbeddingStatus.READY
    ) & model.columns.model_column.is_distinct_from(model.name)


class ModelRepository:
    async def coverage(self, session: AsyncSession, model: SlotModel) -> Coverage:
        ready = RagChunk.embedding_status == EmbeddingStatus.READY
        row = (
            await session.execute(
                select(
                    func.count().filter(model.columns.model_column == model.name),
                    func.count(),
                ).where(ready)
            )
        ).one()
        return Coverage(int(row[0]), int(row[1]))

    async def missing(
        self, session: AsyncSession, model: SlotModel, limit: int
    ) -> list[MissingChunk]:
        """Up to ``limit`` ready chunks without the model's vector, in id order."""
        rows = await session.execute(
            select(RagChunk.id, RagChunk.text, RagChunk.text_hash)
            .where(_lacking(model))
            .order_by(RagChunk.id)
            .limit(limit)
        )
        return [MissingChunk(*row) for row in rows]

    async def store(
        self, session: AsyncSession, chunks: Sequence[MissingChunk], embedded: ModelVectors
    ) -> int:
        """The model's vectors into its slot, for chunks still ``ready`` with the text they
        were read with (an edit meanwhile made them ``pending``: the live path embeds them)."""
        statement = (
            chunk_table.update()
            .where(
                chunk_table.c.id == bindparam("chunk_id"),
                chunk_table.c.text_hash.is_not_distinct_from(bindparam("read_hash")),
                chunk_table.c.embedding_status == EmbeddingStatus.READY,
            )
            .values(slot_values((embedded.model.slot,)))
        )
        await session.execute(
            statement,
            [
                {
                    "chunk_id": chunk.id,
                    "read_hash": chunk.text_hash,
                    **slot_parameters([embedded], row),
                }
                for row, chunk in enumerate(chunks)
            ],
        )
        # asyncpg reports no row count for a statement run once per parameter set
        stored = await session.scalar(
            select(func.count()).where(
                RagChunk.id.in_([chunk.id for chunk in chunks]),
                embedded.model.columns.model_column == embedded.model.name,
            )
        )
        return int(stored or 0)

    async def register(self, session: AsyncSession, model: SlotModel) -> None:
        session.add(EmbeddingModel(name=model.name, slot=model.slot, dimension=model.dimension))
        await session.flush()

    async def activate(
        self, session: AsyncSession, name: str, weights: Mapping[str, float] | None = None
    ) -> None:
        """``name`` becomes the one active model (the partial unique index allows one), alone
        or, with ``weights`` (model → share of the dense score), fused with the others named."""
        await session.execute(
            update(EmbeddingModel)
            .where(EmbeddingModel.active | EmbeddingModel.search_weight.is_not(None))
            .values(active=False, search_weight=None)
        )
        await session.execute(
            update(EmbeddingModel)
            .where(EmbeddingModel.name == name)
            .values(active=True, activated_at=func.now())
        )
        for model, weight in (weights or {}).items():
            await session.execute(
                update(EmbeddingModel)
                .where(EmbeddingModel.name == model)
                .values(search_weight=weight)
            )

    async def unregister(self, session: AsyncSession, name: str) -> None:
        await session.execute(
            EmbeddingModel.__table__.delete().where(EmbeddingModel.name == name)  # type: ignore[attr-defined]
        )

    async def clear_slot(self, session: AsyncSession, model: SlotModel, limit: int) -> int:
        """Remove up to ``limit`` of the model's vectors from its slot; how many were."""
        columns = model.columns
        chosen = (
            select(RagChunk.id)
            .where(columns.model_column == model.name)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        result = await session.execute(
            update(RagChunk)
            .where(RagChunk.id.in_(chosen))
            .values({columns.vector_column.key: None, columns.model_column.key: None})
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


model_repository = ModelRepository()
