"""Keep chunk vectors in the table row (STORAGE MAIN), not in the TOAST table.

A 384-d vector is 1.5 kB, which takes a chunk row past the 2 kB TOAST threshold, so
Postgres moved most vectors out of line: every distance search-api computes outside the
HNSW index (the score of each candidate, an exact scan under a selective filter) then read
the TOAST index and a TOAST page. At 1M chunks an exact scan of the 20k chunks of one inbox
took ~60 ms with out-of-line vectors and ~28 ms with inline ones; the table plus its TOAST
table is no larger (2.04 against 2.14 GB). MAIN still moves a vector out of line when a row
would not fit a page at all.

Rows written before this migration keep their layout until they are written again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE rag_chunks ALTER COLUMN embedding SET STORAGE MAIN")


def downgrade() -> None:
    op.execute("ALTER TABLE rag_chunks ALTER COLUMN embedding SET STORAGE EXTERNAL")
