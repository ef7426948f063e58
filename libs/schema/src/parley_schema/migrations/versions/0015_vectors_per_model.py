"""Vectors per model: two dimensionless vector slots on rag_chunks and ``embedding_models``.

``rag_chunks.embedding`` (``vector(<dim>)`` since 0001) loses its dimension without a rewrite
or re-embedding: the vectors stay where they are and become slot 1 of the model they were
made with (the model most ready chunks name, else ``PARLEY_EMBEDDING_MODEL``), which is
registered as the active model with the column's old dimension. Its HNSW index is rebuilt
as that model's partial index over ``embedding::vector(<dim>)`` (the one step that takes
time: about as long as building the index did). ``embedding_2`` and ``embedding_2_model``
are slot 2, empty until ``parley embeddings add-model`` (see ``parley_schema.vector_slots``).

Downgrade needs slot 1 to hold the active model's vectors (``parley embeddings use`` back
first): it drops slot 2 and gives ``embedding`` the active model's dimension again.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from parley_schema.settings import ParleyBaseSettings, load_settings
from parley_schema.vector_slots import SlotModel

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _configured_model() -> str:
    return load_settings(ParleyBaseSettings).embedding_model


def upgrade() -> None:
    bind = op.get_bind()
    dimension = bind.scalar(
        sa.text(
            "SELECT atttypmod FROM pg_attribute"
            " WHERE attrelid = 'rag_chunks'::regclass AND attname = 'embedding'"
        )
    )
    configured = context.config.attributes.get("embedding_dim")
    if not dimension or dimension < 1:
        dimension = int(configured) if configured else load_settings(ParleyBaseSettings).embedding_dim
    model = bind.scalar(
        sa.text(
            "SELECT embedding_model FROM rag_chunks WHERE embedding_status = 'ready'"
            " AND embedding_model IS NOT NULL GROUP BY embedding_model"
            " ORDER BY count(*) DESC LIMIT 1"
        )
    ) or context.config.attributes.get("embedding_model") or _configured_model()
    op.create_table(
        "embedding_models",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("slot IN (1, 2)", name=op.f("ck_embedding_models_slot")),
        sa.CheckConstraint("dimension > 0", name=op.f("ck_embedding_models_dimension")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_embedding_models")),
    )
    op.create_index("uq_embedding_models_slot", "embedding_models", ["slot"], unique=True)
    op.create_index(
        "uq_embedding_models_active",
        "embedding_models",
        ["active"],
        unique=True,
        postgresql_where=sa.text("active"),
    )
    bind.execute(
        sa.text(
            "INSERT INTO embedding_models (name, slot, dimension, active, activated_at)"
            " VALUES (:name, 1, :dimension, true, now())"
        ),
        {"name": model, "dimension": dimension},
    )
    op.execute("DROP INDEX IF EXISTS ix_rag_chunks_embedding_hnsw")
    # Dropping the typmod is binary-coercible: no rewrite, the rows stay as they are. A type
    # change resets the column's storage to the type's (EXTERNAL): keep vectors in the row
    # (0007), or every distance computed outside the index reads TOAST again.
    op.execute("ALTER TABLE rag_chunks ALTER COLUMN embedding TYPE vector")
    op.execute("ALTER TABLE rag_chunks ALTER COLUMN embedding SET STORAGE MAIN")
    op.add_column("rag_chunks", sa.Column("embedding_2", _vector(), nullable=True))
    op.add_column("rag_chunks", sa.Column("embedding_2_model", sa.Text(), nullable=True))
    op.execute("ALTER TABLE rag_chunks ALTER COLUMN embedding_2 SET STORAGE MAIN")
    op.execute(SlotModel(model, 1, dimension).index_ddl())


def downgrade() -> None:
    bind = op.get_bind()
    active = bind.execute(
        sa.text("SELECT name, slot, dimension FROM embedding_models WHERE active")
    ).first()
    if active is not None and active.slot != 1:
        raise RuntimeError(
            f"the active model {active.name} is in slot 2: `parley embeddings use` the slot-1 "
            "model before downgrading"
        )
    dimension = active.dimension if active is not None else 384
    op.execute("DROP INDEX IF EXISTS ix_rag_chunks_embedding_2_hnsw")
    op.execute("DROP INDEX IF EXISTS ix_rag_chunks_embedding_hnsw")
    op.drop_column("rag_chunks", "embedding_2_model")
    op.drop_column("rag_chunks", "embedding_2")
    op.execute(
        f"ALTER TABLE rag_chunks ALTER COLUMN embedding TYPE vector({dimension})"
        f" USING embedding::vector({dimension})"
    )
    op.execute("ALTER TABLE rag_chunks ALTER COLUMN embedding SET STORAGE MAIN")
    op.execute(
        "CREATE INDEX ix_rag_chunks_embedding_hnsw ON rag_chunks"
        " USING hnsw (embedding vector_cosine_ops)"
    )
    op.drop_index("uq_embedding_models_active", table_name="embedding_models")
    op.drop_index("uq_embedding_models_slot", table_name="embedding_models")
    op.drop_table("embedding_models")


def _vector() -> sa.types.TypeEngine[object]:
    from pgvector.sqlalchemy import Vector

    return Vector()
