"""Handoffs (seed 004): a conversation recommended for a human, and where that stands.

search-api's answers write them (``POST /v1/answers`` for a conversation whose escalation is
recommended); at most one is open (not resolved) per conversation.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base, created_at_column, updated_at_column


class HandoffStatus(StrEnum):
    PENDING = "pending"  # recommended, nobody has taken it yet
    ROUTED = "routed"  # handed to a person or a provider
    RESOLVED = "resolved"  # done (or dismissed); the conversation may get a new one


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in HandoffStatus)), name="status"
        ),
        Index(
            "uq_handoffs_open_conversation",
            "conversation_global_id",
            unique=True,
            postgresql_where=text("status <> 'resolved'"),
        ),
        Index("ix_handoffs_created_at", text("created_at DESC"), "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()")
    )
    conversation_global_id: Mapped[str] = mapped_column(
        ForeignKey("cw_conversations.id", ondelete="CASCADE")
    )
    recommended: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(Text)  # the reasons, readable
    # The reasons as answers' escalation gives them: [{"code": ..., "detail": ...}].
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    provider: Mapped[str | None] = mapped_column(Text)  # who it was routed to, e.g. "zendesk"
    status: Mapped[str] = mapped_column(Text, server_default=text("'pending'"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
