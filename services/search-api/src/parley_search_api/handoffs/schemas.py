"""Handoffs as the API shows and changes them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from parley_schema.ids import ConversationGlobalId
from parley_schema.models import HandoffStatus
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from parley_search_api.search.schemas import MAX_LIMIT

# Where a status may move: forward only; pending → resolved dismisses a recommendation,
# routed → routed hands it to another provider.
TRANSITIONS: dict[HandoffStatus, frozenset[HandoffStatus]] = {
    HandoffStatus.PENDING: frozenset({HandoffStatus.ROUTED, HandoffStatus.RESOLVED}),
    HandoffStatus.ROUTED: frozenset({HandoffStatus.ROUTED, HandoffStatus.RESOLVED}),
    HandoffStatus.RESOLVED: frozenset(),
}


class HandoffRead(BaseModel):
    id: uuid.UUID
    conversation_id: str
    recommended: bool
    reason: str | None  # the reasons, readable
    reasons: list[dict[str, Any]]  # answers' escalation reasons: [{"code", "detail"}]
    provider: str | None
    status: HandoffStatus
    created_at: datetime
    updated_at: datetime


class HandoffList(BaseModel):
    handoffs: list[HandoffRead]  # newest first
    next_cursor: str | None


class HandoffQuery(BaseModel):
    """``GET /v1/handoffs``'s query parameters."""

    model_config = ConfigDict(extra="forbid")

    status: list[HandoffStatus] | None = Field(None, max_length=len(HandoffStatus))  # any of
    conversation_id: ConversationGlobalId | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 20
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


Provider = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class HandoffUpdate(BaseModel):
    """``PATCH /v1/handoffs/{id}``: a new status, and who it was routed to."""

    model_config = ConfigDict(extra="forbid")

    status: HandoffStatus
    provider: Provider | None = None

    @model_validator(mode="after")
    def _provider_when_routed(self) -> HandoffUpdate:
        if self.provider is not None and self.status is not HandoffStatus.ROUTED:
            raise ValueError("provider is set when routing (status routed)")
        return self
