"""Segments: contact labels and activity, attribute indexes, saved segments.

- ``parley_jsonb_numeric(jsonb)``: a JSON number, or a string holding one, as ``numeric``
  (else NULL): how segments compare numbers Chatwoot stored as strings.
  ``parley_jsonb_epoch(jsonb)``: unix seconds (number or numeric string) as ``timestamptz``.
- ``cw_contacts.labels`` (read from Chatwoot's REST API by ingest; NULL: not read yet),
  ``labels_stale_at`` (a contact event arrived since), ``labels_synced_at``, and
  ``last_activity_at`` (the latest of its conversations', from their stored data).
- GIN indexes over contacts' ``custom_attributes`` and ``labels`` and conversations'
  ``data -> 'custom_attributes'`` and ``data -> 'labels'``; activity indexes for ordering.
- ``segments``: a project's saved filters.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A JSON number, or a string of at most 100 characters that numeric's own input function
# accepts (surrounding blanks, 1e3, 1_000, 0x1F), but not NaN or ±Infinity (the only valid
# spellings with an "n"). pg_input_is_valid checks without raising, also on overflow.
# PL/pgSQL, so the cast runs only after the check (an inlined SQL CASE did not guarantee it).
NUMERIC_FUNCTION = """
CREATE FUNCTION parley_jsonb_numeric(value jsonb) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  stored text := value #>> '{}';
BEGIN
  IF jsonb_typeof(value) = 'number' THEN
    RETURN stored::numeric;
  END IF;
  IF jsonb_typeof(value) = 'string' AND length(stored) <= 100
     AND strpos(lower(stored), 'n') = 0 AND pg_input_is_valid(stored, 'numeric') THEN
    RETURN stored::numeric;
  END IF;
  RETURN NULL;
END
$$
"""
EPOCH_FUNCTION = """
CREATE FUNCTION parley_jsonb_epoch(value jsonb) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN abs(public.parley_jsonb_numeric(value)) < 1e11
    THEN to_timestamp(public.parley_jsonb_numeric(value)::double precision) END
$$
"""

INDEXES = {
    "ix_cw_contacts_custom_attributes": "cw_contacts USING gin (custom_attributes jsonb_path_ops)",
    "ix_cw_contacts_labels": "cw_contacts USING gin (labels)",
    "ix_cw_contacts_last_activity_at": "cw_contacts (last_activity_at DESC NULLS LAST, id)",
    "ix_cw_contacts_labels_stale_at": (
        "cw_contacts (labels_stale_at) WHERE labels_stale_at IS NOT NULL"
    ),
    "ix_cw_conversations_custom_attributes": (
        "cw_conversations USING gin ((data -> 'custom_attributes') jsonb_path_ops)"
    ),
    "ix_cw_conversations_labels": "cw_conversations USING gin ((data -> 'labels'))",
    "ix_cw_conversations_last_activity_at": (
        "cw_conversations (parley_jsonb_epoch(data -> 'last_activity_at') DESC NULLS LAST, id)"
    ),
}


def upgrade() -> None:
    op.execute(NUMERIC_FUNCTION)
    op.execute(EPOCH_FUNCTION)
    op.add_column("cw_contacts", sa.Column("labels", postgresql.ARRAY(sa.Text()), nullable=True))
    for column in ("labels_stale_at", "labels_synced_at", "last_activity_at"):
        op.add_column("cw_contacts", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE cw_contacts c SET last_activity_at = a.at FROM ("
        " SELECT contact_global_id, max(parley_jsonb_epoch(data -> 'last_activity_at')) AS at"
        " FROM cw_conversations WHERE contact_global_id IS NOT NULL GROUP BY contact_global_id"
        ") a WHERE a.contact_global_id = c.id"
    )
    # Contacts stored before labels were read: read them once.
    op.execute("UPDATE cw_contacts SET labels_stale_at = now()")
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {definition}")
    op.create_table(
        "segments",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("filters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("target IN ('contacts', 'conversations')", name=op.f("ck_segments_target")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_segments_project_id_projects"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["app_users.id"], name=op.f("fk_segments_created_by_app_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
    )
    op.create_index("uq_segments_project_id_name", "segments", ["project_id", "name"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_segments_project_id_name", table_name="segments")
    op.drop_table("segments")
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
    for column in ("last_activity_at", "labels_synced_at", "labels_stale_at", "labels"):
        op.drop_column("cw_contacts", column)
    op.execute("DROP FUNCTION parley_jsonb_epoch(jsonb)")
    op.execute("DROP FUNCTION parley_jsonb_numeric(jsonb)")
