"""Which embedding models a deployment holds vectors of, and which one search uses.

Each model has a *slot*: a vector column of ``rag_chunks`` (``embedding`` is slot 1,
``embedding_2`` slot 2), each with its own per-row model column and its own partial HNSW
index over the vectors cast to the model's dimension (``vector_slots``). Two slots, so a
second model can be back-filled next to the one in use and take over without moving a
vector; the filter facts every search needs stay on the same row for either model.
``active`` marks the model search embeds queries with (exactly one when any vectors exist).
``search_weight`` is NULL unless search fuses two models' cosines: then both rows carry their
share of the dense score (summing to 1), the active one among them (``parley embeddings use
A --with B:0.4``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, Index, Integer, SmallInteger, Text
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base, created_at_column

SLOT_NUMBERS = (1, 2)


class EmbeddingModel(Base):
    __tablename__ = "embedding_models"
    __table_args__ = (
        CheckConstraint("slot IN (1, 2)", name="slot"),
        CheckConstraint("dimension > 0", name="dimension"),
        CheckConstraint("search_weight > 0 AND search_weight < 1", name="search_weight"),
        Index("uq_embedding_models_slot", "slot", unique=True),
        Index(
            "uq_embedding_models_active", "active", unique=True, postgresql_where=sql_text("active")
        ),
    )

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger)
    dimension: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, server_default=sql_text("false"))
    added_at: Mapped[datetime] = created_at_column()
    activated_at: Mapped[datetime | None]
    search_weight: Mapped[float | None] = mapped_column(Float)
