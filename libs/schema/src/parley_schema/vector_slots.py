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

Each slot also keeps its vectors' sign bits (``binary_quantize``, 48 bytes at 384-d) in a
generated column, and each model a partial btree "scan index" over the chunks' inbox, holding
the filter columns and those bits (migration 0018):

    CREATE INDEX ix_rag_chunks_embedding_scan ON rag_chunks (account_id, inbox_id)
        INCLUDE (embedding_status, ..., id, embedding_bits)
        WHERE embedding_model = 'sentence-transformers/all-MiniLM-L6-v2'

Under a selective filter, search-api ranks the chunks it leaves by Hamming distance from the
index alone (an index-only scan: no chunk row is read), then by cosine only the nearest of
them (search-api's ``repository.semantic_statement``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pgvector.sqlalchemy import BIT, Vector
from sqlalchemy import ColumnElement, Float, bindparam, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from parley_schema.models import EmbeddingModel, RagChunk


@dataclass(frozen=True)
class Slot:
    number: int
    vector_column: InstrumentedAttribute[list[float] | None]
    model_column: InstrumentedAttribute[str | None]
    bits_column: InstrumentedAttribute[Any]
    index_name: str
    scan_index_name: str

    @property
    def index_names(self) -> tuple[str, str]:
        return self.index_name, self.scan_index_name


SLOTS: dict[int, Slot] = {
    1: Slot(
        1,
        RagChunk.embedding,
        RagChunk.embedding_model,
        RagChunk.embedding_bits,
        "ix_rag_chunks_embedding_hnsw",
        "ix_rag_chunks_embedding_scan",
    ),
    2: Slot(
        2,
        RagChunk.embedding_2,
        RagChunk.embedding_2_model,
        RagChunk.embedding_2_bits,
        "ix_rag_chunks_embedding_2_hnsw",
        "ix_rag_chunks_embedding_2_scan",
    ),
}
VECTOR_INDEX_NAMES = frozenset(name for slot in SLOTS.values() for name in slot.index_names)
# The scan index's key: the filters selective enough to leave few chunks (an inbox);
# its INCLUDE list: every other column a filtered search reads before ranking by cosine.
SCAN_INDEX_KEY = ("account_id", "inbox_id")
SCAN_INDEX_INCLUDES = (
    *("embedding_status", "kind", "project_id", "conversation_global_id", "private"),
    *("message_type", "sender_type", "message_created_at", "id"),
)


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

    def hamming_distance(self, vector: Sequence[float]) -> ColumnElement[float]:
        """How many of the slot's stored sign bits (what the model's scan index holds) differ
        from those of ``vector``, taken as the generated column takes them."""
        bits = func.binary_quantize(cast(list(vector), Vector(self.dimension)), type_=BIT())
        return self.columns.bits_column.op("<~>", return_type=Float)(bits)

    def holds(self) -> ColumnElement[bool]:
        """The rows whose slot holds this model's vector (the index predicate, as a literal)."""
        return self.columns.model_column == bindparam(
            f"slot_model_{self.slot}", self.name, literal_execute=True
        )

    def index_ddl(self, *, concurrently: bool = False) -> str:
        """The model's HNSW index."""
        columns = self.columns
        return (
            f"{self._create(columns.index_name, concurrently)} USING hnsw "
            f"(({columns.vector_column.key}::vector({self.dimension})) vector_cosine_ops) "
            f"{self._holds_sql}"
        )

    def scan_index_ddl(self, *, concurrently: bool = False) -> str:
        """The model's scan index: its chunks by inbox, with their filter columns and bits."""
        columns = self.columns
        included = ", ".join((*SCAN_INDEX_INCLUDES, columns.bits_column.key))
        return (
            f"{self._create(columns.scan_index_name, concurrently)} "
            f"({', '.join(SCAN_INDEX_KEY)}) INCLUDE ({included}) {self._holds_sql}"
        )

    def indexes(self, *, concurrently: bool = False) -> dict[str, str]:
        """The model's partial indexes, HNSW first: name and DDL of each."""
        columns = self.columns
        return {
            columns.index_name: self.index_ddl(concurrently=concurrently),
            columns.scan_index_name: self.scan_index_ddl(concurrently=concurrently),
        }

    @property
    def _holds_sql(self) -> str:
        quoted = self.name.replace("'", "''")
        return f"WHERE {self.columns.model_column.key} = '{quoted}'"

    @staticmethod
    def _create(name: str, concurrently: bool) -> str:
        return (
            f"CREATE INDEX {'CONCURRENTLY ' if concurrently else ''}IF NOT EXISTS {name} "
            "ON rag_chunks"
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
