"""Indexes for search-api's conversation lift: contacts by email, phone, identifier and name,
conversations by display id.

The lift looks up the contacts a query names and their conversations; without these
indexes it compared the query with every conversation's contact on every search.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_cw_contacts_email_lower": "cw_contacts (lower(email))",
    # The expression must stay the one search-api compares (models.chatwoot.PHONE_DIGITS_SQL).
    "ix_cw_contacts_phone_digits": r"cw_contacts (regexp_replace(phone_number, '\D', '', 'g'))",
    "ix_cw_contacts_identifier_lower": "cw_contacts (lower(identifier))",
    "ix_cw_contacts_name_words": (
        "cw_contacts USING gin (to_tsvector('simple'::regconfig, parley_unaccent(name)))"
    ),
    "ix_cw_conversations_conversation_id": "cw_conversations (conversation_id)",
}


def upgrade() -> None:
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {definition}")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
