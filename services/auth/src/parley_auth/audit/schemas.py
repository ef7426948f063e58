"""The audit trail as administrators read it (``GET /v1/audit``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from parley_schema.ids import MAX_BIGINT
from parley_schema.postgres_values import postgres_text, postgres_timestamp
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

PAGE_LIMIT = 500

Instant = Annotated[AwareDatetime, AfterValidator(postgres_timestamp)]


class AuditFilters(BaseModel):
    """Query parameters of ``GET /v1/audit``; every filter narrows, newest entries first."""

    model_config = ConfigDict(extra="forbid")

    since: Instant | None = Field(None, description="requests that arrived at or after")
    until: Instant | None = Field(None, description="requests that arrived before")
    endpoint: Annotated[str, Field(max_length=200), AfterValidator(postgres_text)] | None = Field(
        None, description="a route template, e.g. `/v1/search`"
    )
    status: Annotated[int, Field(ge=100, le=599)] | None = None
    user: uuid.UUID | None = Field(None, description="the user's id")
    project: uuid.UUID | None = Field(None, description="the project's id")
    cursor: Annotated[int, Field(ge=1, le=MAX_BIGINT)] | None = Field(
        None, description="`next_cursor` of the previous page"
    )
    limit: Annotated[int, Field(ge=1, le=PAGE_LIMIT)] = 100


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    service: str
    method: str
    endpoint: str
    status: int
    latency_ms: float
    project_id: uuid.UUID | None
    user_id: uuid.UUID | None
    token_id: uuid.UUID | None
    correlation_id: str | None
    query: dict[str, Any] | None  # only recorded with PARLEY_AUDIT_QUERIES=true


class AuditPage(BaseModel):
    entries: list[AuditEntryRead]
    next_cursor: int | None = Field(
        description="pass as `cursor` for older entries; null at the end"
    )
