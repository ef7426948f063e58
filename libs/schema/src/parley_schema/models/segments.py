"""Saved segments: a project's named filters over contacts or conversations (search-api's)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base, created_at_column, updated_at_column


class SegmentTarget(StrEnum):
    CONTACTS = "contacts"  # filters of POST /v1/contacts/search
    CONVERSATIONS = "conversations"  # filters of POST /v1/conversations/search


class Segment(Base):
    __tablename__ = "segments"
    __table_args__ = (
        CheckConstraint(
            "target IN ({})".format(", ".join(f"'{t}'" for t in SegmentTarget)), name="target"
        ),
        Index("uq_segments_project_id_name", "project_id", "name", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()")
    )
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict[str, Any]]
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
