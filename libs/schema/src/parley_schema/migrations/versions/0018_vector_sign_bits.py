"""Sign bits of each vector slot, and a scan index per model for filtered search.

A search under a selective filter (an inbox: ~2 % of the chunks) ranks every chunk the filter
leaves, since the HNSW index cannot serve the filter. At 1M chunks reading those ~20,000 rows
(~5,000 scattered pages) was almost all of its time (bench/search/README.md). Each slot now
keeps ``binary_quantize`` of its vector (48 bytes at 384-d) in a stored generated column
(``embedding_bits``, ``embedding_2_bits``), and each registered model a partial btree over
``(account_id, inbox_id)`` that INCLUDEs the other filter columns, the chunk id and those bits
(``SlotModel.scan_index_ddl``): search-api ranks an inbox's chunks by Hamming distance from
the index alone, then by cosine only the nearest few hundred.

Adding a stored generated column rewrites ``rag_chunks`` and rebuilds its indexes, HNSW
included, under an exclusive lock: at 1M chunks 491 s (maintenance_work_mem 4 GB), then 6 s
for the VACUUM that lets index-only scans skip the table (``VACUUM_AFTER``).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from parley_schema.vector_slots import SLOTS, SlotModel

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
VACUUM_AFTER = ("rag_chunks",)  # parley_schema.migrate


def upgrade() -> None:
    # PLAIN: 48 bytes never go to TOAST (with the default, 13 % of bench/search's 1M rows,
    # already past the 2 kB threshold, had theirs moved out, a TOAST write and read each)
    op.execute(
        "ALTER TABLE rag_chunks "
        + ", ".join(
            f"ADD COLUMN {slot.bits_column.key} bit varying"
            f" GENERATED ALWAYS AS (binary_quantize({slot.vector_column.key})) STORED,"
            f" ALTER COLUMN {slot.bits_column.key} SET STORAGE PLAIN"
            for slot in SLOTS.values()
        )
    )
    models = op.get_bind().execute(sa.text("SELECT name, slot, dimension FROM embedding_models"))
    for name, slot, dimension in models:
        op.execute(SlotModel(name, slot, dimension).scan_index_ddl())


def downgrade() -> None:
    for slot in SLOTS.values():
        op.execute(f"DROP INDEX IF EXISTS {slot.scan_index_name}")
    op.execute(
        "ALTER TABLE rag_chunks "
        + ", ".join(f"DROP COLUMN {slot.bits_column.key}" for slot in SLOTS.values())
    )
