"""The audit trail of API requests (search-api and auth): who asked for what, never the content.

Rows are written in batches by ``parley_runtime.audit`` after the response, purged after
``PARLEY_AUDIT_RETENTION_DAYS``, and read by administrators (``GET /v1/audit`` on auth).
There are no foreign keys: the trail outlives the users, tokens and projects it names.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, Identity, Index, SmallInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base


class ApiRequest(Base):
    __tablename__ = "api_requests"
    __table_args__ = (
        Index("ix_api_requests_at", "at"),
        Index("ix_api_requests_user_id_id", "user_id", "id"),
        Index("ix_api_requests_project_id_id", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime]  # when the request arrived
    service: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    endpoint: Mapped[str] = mapped_column(Text)  # the route template, never the raw path
    status: Mapped[int] = mapped_column(SmallInteger)
    latency_ms: Mapped[float] = mapped_column(Float)
    project_id: Mapped[uuid.UUID | None]
    user_id: Mapped[uuid.UUID | None]
    token_id: Mapped[uuid.UUID | None]  # the API token's id; None for a session or nobody
    correlation_id: Mapped[str | None] = mapped_column(Text)
    # Only with PARLEY_AUDIT_QUERIES=true: the query string and (search-api) the JSON body.
    query: Mapped[dict[str, Any] | None]
