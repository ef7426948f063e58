"""Webhook deliveries already seen, so a repeated delivery is a no-op."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base, created_at_column


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    # Housekeeping purges keys by age.
    __table_args__ = (Index("ix_webhook_deliveries_received_at", "received_at"),)

    delivery_key: Mapped[str] = mapped_column(Text, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(BigInteger)
    event: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = created_at_column()
    outcome: Mapped[str] = mapped_column(Text)
