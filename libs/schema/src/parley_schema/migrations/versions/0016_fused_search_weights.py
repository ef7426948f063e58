"""Fused search: each held model's share of the dense score (``embedding_models.search_weight``).

NULL everywhere (every existing row): search uses the active model alone, as before. When
search fuses two models (``parley embeddings use A --with B:0.4``), both rows carry their
weight (0.6 and 0.4: they sum to 1, so a fused score stays on the cosine's scale), the active
one among them. A nullable column with no default: no rewrite.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("embedding_models", sa.Column("search_weight", sa.Float(), nullable=True))
    op.create_check_constraint(
        op.f("ck_embedding_models_search_weight"),
        "embedding_models",
        "search_weight > 0 AND search_weight < 1",
    )


def downgrade() -> None:
    # back to the active model alone
    op.drop_constraint(
        op.f("ck_embedding_models_search_weight"), "embedding_models", type_="check"
    )
    op.drop_column("embedding_models", "search_weight")
