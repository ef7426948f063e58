"""Chatwoot objects as Parley stores them: normalized columns plus the raw object in ``data``.

Rows are keyed by the global ids of ``parley_schema.ids``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base, created_at_column

# A phone number's digits: what search-api compares, and what the index on it holds.
PHONE_DIGITS_SQL = r"regexp_replace(phone_number, '\D', '', 'g')"
# A conversation's last activity (Chatwoot sends unix seconds): what search-api orders and
# filters conversations by, and what the index on it holds (migration 0011).
CONVERSATION_ACTIVITY_SQL = "parley_jsonb_epoch(data -> 'last_activity_at')"


class CwContact(Base):
    __tablename__ = "cw_contacts"
    __table_args__ = (
        Index("uq_cw_contacts_account_id_contact_id", "account_id", "contact_id", unique=True),
        Index("ix_cw_contacts_updated_at", text("updated_at DESC NULLS LAST")),
        # search-api's conversation lift looks contacts up by these (migration 0006).
        Index("ix_cw_contacts_email_lower", text("lower(email)")),
        Index("ix_cw_contacts_phone_digits", text(PHONE_DIGITS_SQL)),
        Index("ix_cw_contacts_identifier_lower", text("lower(identifier)")),
        Index(
            "ix_cw_contacts_name_words",
            text("to_tsvector('simple'::regconfig, parley_unaccent(name))"),
            postgresql_using="gin",
        ),
        # search-api's segments (migration 0011): attribute containment, labels, activity.
        Index(
            "ix_cw_contacts_custom_attributes",
            "custom_attributes",
            postgresql_using="gin",
            postgresql_ops={"custom_attributes": "jsonb_path_ops"},
        ),
        Index("ix_cw_contacts_labels", "labels", postgresql_using="gin"),
        Index("ix_cw_contacts_last_activity_at", text("last_activity_at DESC NULLS LAST"), "id"),
        # ingest's contact-label sync reads the stale ones, oldest mark first.
        Index(
            "ix_cw_contacts_labels_stale_at",
            "labels_stale_at",
            postgresql_where=text("labels_stale_at IS NOT NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger)
    contact_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone_number: Mapped[str | None] = mapped_column(Text)
    identifier: Mapped[str | None] = mapped_column(Text)
    custom_attributes: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    # Chatwoot's webhooks carry no contact labels: ingest reads them from the REST API.
    # None: never read yet. ``labels_stale_at``: a contact event arrived after the last read.
    labels: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    labels_stale_at: Mapped[datetime | None]
    labels_synced_at: Mapped[datetime | None]
    # The latest ``last_activity_at`` of the contact's conversations (ingest keeps it).
    last_activity_at: Mapped[datetime | None]
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()


class CwConversation(Base):
    __tablename__ = "cw_conversations"
    __table_args__ = (
        Index(
            "uq_cw_conversations_account_id_conversation_id",
            "account_id",
            "conversation_id",
            unique=True,
        ),
        Index("ix_cw_conversations_conversation_id", "conversation_id"),  # display id lookups
        # search-api's segments (migration 0011).
        Index(
            "ix_cw_conversations_custom_attributes",
            text("(data -> 'custom_attributes') jsonb_path_ops"),
            postgresql_using="gin",
        ),
        Index("ix_cw_conversations_labels", text("(data -> 'labels')"), postgresql_using="gin"),
        Index(
            "ix_cw_conversations_last_activity_at",
            text(f"{CONVERSATION_ACTIVITY_SQL} DESC NULLS LAST"),
            "id",
        ),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(BigInteger)
    conversation_id: Mapped[int | None] = mapped_column(BigInteger)
    contact_global_id: Mapped[str | None] = mapped_column(Text, index=True)
    inbox_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str | None] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()


class CwMessage(Base):
    __tablename__ = "cw_messages"
    __table_args__ = (
        Index("ix_cw_messages_created_at", text("created_at DESC")),
        Index("ix_cw_messages_account_id_created_at", "account_id", text("created_at DESC")),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    conversation_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    conversation_global_id: Mapped[str | None] = mapped_column(Text, index=True)
    contact_global_id: Mapped[str | None] = mapped_column(Text, index=True)
    sender_type: Mapped[str | None] = mapped_column(Text)
    sender_id: Mapped[int | None] = mapped_column(BigInteger)
    private: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    message_type: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)  # searchable plain text; raw is in data
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]  # set when Chatwoot reports the message deleted
