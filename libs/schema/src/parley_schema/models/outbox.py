"""Transactional outbox: events written with the rows they describe, published by a relay."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base, created_at_column


class EventOutbox(Base):
    __tablename__ = "event_outbox"
    __table_args__ = (
        Index(
            "ix_event_outbox_unpublished",
            "id",
            postgresql_where=text("published_at IS NULL"),
        ),
        # Housekeeping purges published rows by age.
        Index(
            "ix_event_outbox_published_at",
            "published_at",
            postgresql_where=text("published_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    routing_key: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = created_at_column()
    published_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
