"""Accent-insensitive keyword search and typo tolerance for search-api.

``parley_unaccent(text)`` is an IMMUTABLE wrapper around ``unaccent`` (which is only STABLE,
so it cannot appear in an index expression by itself). Three GIN indexes on chunk text:
full-text in the ``english`` and ``simple`` configurations over the unaccented text, and
trigrams over the unaccented text (``pg_trgm`` word similarity for misspelled words).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE OR REPLACE FUNCTION parley_unaccent(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
        "AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$"
    )
    op.execute(
        "CREATE INDEX ix_rag_chunks_fts_english ON rag_chunks "
        "USING gin (to_tsvector('english'::regconfig, parley_unaccent(text)))"
    )
    op.execute(
        "CREATE INDEX ix_rag_chunks_fts_simple ON rag_chunks "
        "USING gin (to_tsvector('simple'::regconfig, parley_unaccent(text)))"
    )
    op.execute(
        "CREATE INDEX ix_rag_chunks_text_trgm ON rag_chunks "
        "USING gin (parley_unaccent(text) gin_trgm_ops)"
    )


def downgrade() -> None:
    op.drop_index("ix_rag_chunks_text_trgm", table_name="rag_chunks")
    op.drop_index("ix_rag_chunks_fts_simple", table_name="rag_chunks")
    op.drop_index("ix_rag_chunks_fts_english", table_name="rag_chunks")
    op.execute("DROP FUNCTION IF EXISTS parley_unaccent(text)")
