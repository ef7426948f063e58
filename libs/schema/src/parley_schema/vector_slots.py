"""The two vector columns of ``rag_chunks`` and the partial HNSW index of each model.

A model's vectors live in its slot's column (``EmbeddingModel.slot``), next to the chunk's
filter facts, so every search reads one row per hit whatever the model. The column has no
dimension; the model's index is over the vectors cast to its dimension and covers only the
rows whose slot model is that model:

    CREATE INDEX ix_rag_chunks_embedding_hnsw ON rag_chunks
        USING hnsw ((embedding::vector(384)) vector_cosine_ops)
        WHERE embedding_model = 'sentence-transformers/all-MiniLM-L6-v2'

A query reaches it only with the same cast (``SlotModel.vector``) and the model as a literal
(``SlotModel.holds``): a bound parameter would not prove the index's predicate in a generic
plan, and Postgres would scan the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgvector.sqlalchemy import Vector
from sqlalchemy import ColumnElement, bindparam, cast, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from parley_schema.models import EmbeddingModel, RagChunk


@dataclass(frozen=True)
class Slot:
    number: int
    vector_column: InstrumentedAttribute[list[float] | None]
    model_column: InstrumentedAttribute[str | None]
    index_name: str


SLOTS: dict[int, Slot] = {
    1: Slot(1, RagChunk.embedding, RagChunk.embedding_model, "ix_rag_chunks_embedding_hnsw"),
    2: Slot(2, RagChunk.embedding_2, RagChunk.embedding_2_model, "ix_rag_chunks_embedding_2_hnsw"),
}
VECTOR_INDEX_NAMES = frozenset(slot.index_name for slot in SLOTS.values())


@dataclass(frozen=True)
class SlotModel:
    """One model in its slot: the SQL that reads its vectors."""

    name: str
    slot: int
    dimension: int

    @property
    def columns(self) -> Slot:
        return SLOTS[self.slot]

    @property
    def vector(self) -> ColumnElement[list[float]]:
        """The slot's vector cast to the model's dimension: the expression its index holds."""
        return cast(self.columns.vector_column, Vector(self.dimension))

    def holds(self) -> ColumnElement[bool]:
        """The rows whose slot holds this model's vector (the index predicate, as a literal)."""
        return self.columns.model_column == bindparam(
            f"slot_model_{self.slot}", self.name, literal_execute=True
        )

    def index_ddl(self, *, concurrently: bool = False) -> str:
        columns = self.columns
        quoted = self.name.replace("'", "''")
        return (
            f"CREATE INDEX {'CONCURRENTLY ' if concurrently else ''}IF NOT EXISTS "
            f"{columns.index_name} ON rag_chunks USING hnsw "
            f"(({columns.vector_column.key}::vector({self.dimension})) vector_cosine_ops) "
            f"WHERE {columns.model_column.key} = '{quoted}'"
        )


@dataclass(frozen=True)
class RegisteredModel(SlotModel):
    """A row of ``embedding_models``; ``search_weight``: its share of a fused dense score
    (None: not fused)."""

    active: bool
    search_weight: float | None = None


async def registered_models(session: AsyncSession) -> list[RegisteredModel]:
    """Every model the database holds vectors of, the active one first."""
    rows = await session.execute(
        select(
            EmbeddingModel.name,
            EmbeddingModel.slot,
            EmbeddingModel.dimension,
            EmbeddingModel.active,
            EmbeddingModel.search_weight,
        ).order_by(EmbeddingModel.active.desc(), EmbeddingModel.slot)
    )
    return [
        RegisteredModel(name, slot, dimension, active, weight)
        for name, slot, dimension, active, weight in rows
    ]
