"""Keep chunk text vectors in the row (STORAGE MAIN), and more statistics about their lexemes.

``text_tsv`` is what keyword search ranks: BM25 reads every selected chunk's vector (its
length, then its lexemes). A chunk row holds a 1.5 kB embedding in the row (0007), so a row
with a text vector of a few hundred bytes passes the 2 kB TOAST threshold, and Postgres moved
the text vector out of line: in bench/search's 1M-chunk table 43 % of them, each read then
costing a TOAST index lookup and page (~6 µs, twice per chunk ranked: up to 2,000 chunks per
query). MAIN keeps it in the row, compressed if need be; the text itself may still move out.

The statistics target of the text vectors (the stored column, and the ``simple``
configuration's expression index) goes from 100 to 300: ANALYZE then keeps ~3,000 of their
most common lexemes, down to ~0.05 % of the chunks instead of ~0.3 %, which is what keyword
search reads to know a lexeme is common without counting it (search-api's
``lexeme_statistics``; at 1M chunks 407 of the 423 lexemes of bench/search's queries against
286). ANALYZE samples 300 rows per unit of target, so it reads 90,000 rows instead of 30,000
(0.7 s at 1M chunks).

Rows written before this migration keep their layout until they are written again.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEXEME_STATISTICS_TARGET = 300


def upgrade() -> None:
    op.execute("ALTER TABLE rag_chunks ALTER COLUMN text_tsv SET STORAGE MAIN")
    op.execute(
        "ALTER TABLE rag_chunks ALTER COLUMN text_tsv"
        f" SET STATISTICS {LEXEME_STATISTICS_TARGET}"
    )
    op.execute(
        "ALTER INDEX ix_rag_chunks_fts_simple ALTER COLUMN 1"
        f" SET STATISTICS {LEXEME_STATISTICS_TARGET}"
    )


def downgrade() -> None:
    op.execute("ALTER INDEX ix_rag_chunks_fts_simple ALTER COLUMN 1 SET STATISTICS -1")
    op.execute("ALTER TABLE rag_chunks ALTER COLUMN text_tsv SET STATISTICS -1")
    op.execute("ALTER TABLE rag_chunks ALTER COLUMN text_tsv SET STORAGE EXTENDED")
