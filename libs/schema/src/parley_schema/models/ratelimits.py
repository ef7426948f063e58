"""Fixed-window attempt counters shared by every replica (login, signup, PIN confirmation)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base


class RateLimitCounter(Base):
    """Attempts in the current window of one bucket, e.g. ``login:user:<name>``.

    One row per bucket: a hit in a newer window resets ``hits`` to 1, so the table holds at
    most one row per bucket; ``window_start`` is indexed so stale rows can be purged.
    """

    __tablename__ = "rate_limit_counters"

    bucket: Mapped[str] = mapped_column(Text, primary_key=True)
    window_start: Mapped[datetime] = mapped_column(index=True)
    hits: Mapped[int] = mapped_column(Integer)
