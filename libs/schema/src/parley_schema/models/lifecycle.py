"""The data lifecycle: retention windows per Chatwoot account and the record of erasures.

- ``account_retention``: an administrator's override of ``PARLEY_RETENTION_DAYS`` for one
  account (written by auth). ``retention_days`` NULL keeps that account's messages forever.
- ``erasures``: one row per erased data subject, ids and counts only (never names, e-mail
  addresses or text), and who asked (``user:<uuid>`` or ``cli:<login>``).
- ``erasure_quarantine``: the global ids (the contact and their conversations) that ingest
  refuses to store again until ``until``, so a replayed webhook or a backfill does not bring
  an erased person back.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base, created_at_column, updated_at_column


class AccountRetention(Base):
    __tablename__ = "account_retention"
    __table_args__ = (
        CheckConstraint("retention_days IS NULL OR retention_days >= 1", name="retention_days"),
    )

    account_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    retention_days: Mapped[int | None] = mapped_column(Integer)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = updated_at_column()


class Erasure(Base):
    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    global_id: Mapped[str] = mapped_column(Text, index=True)
    erased_at: Mapped[datetime] = created_at_column()
    erased_by: Mapped[str] = mapped_column(Text)
    counts: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    quarantined_until: Mapped[datetime]


class ErasureQuarantine(Base):
    __tablename__ = "erasure_quarantine"

    global_id: Mapped[str] = mapped_column(Text, primary_key=True)
    erasure_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("erasures.id", ondelete="CASCADE"), index=True
    )
    until: Mapped[datetime]
