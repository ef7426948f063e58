"""Stored accent-insensitive tsvector: ``text_tsv`` is generated from the unaccented text.

search-api ranks keyword matches with ``ts_rank_cd``; over the expression index of 0003 it
had to recompute ``to_tsvector(parley_unaccent(text))`` for every match. Generating
``text_tsv`` from ``parley_unaccent(text)`` stores that vector once per row, and the
``ix_rag_chunks_text_tsv`` GIN index serves the query. The 0003 expression index for the
english configuration is then redundant and dropped (the ``simple`` one stays).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE rag_chunks ALTER COLUMN text_tsv SET EXPRESSION AS "
        "(to_tsvector('english'::regconfig, parley_unaccent(text)))"
    )
    op.drop_index("ix_rag_chunks_fts_english", table_name="rag_chunks")


def downgrade() -> None:
    op.execute(
        "CREATE INDEX ix_rag_chunks_fts_english ON rag_chunks "
        "USING gin (to_tsvector('english'::regconfig, parley_unaccent(text)))"
    )
    op.execute(
        "ALTER TABLE rag_chunks ALTER COLUMN text_tsv SET EXPRESSION AS "
        "(to_tsvector('english'::regconfig, text))"
    )
