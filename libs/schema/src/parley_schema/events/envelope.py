"""The envelope every Parley event travels in.

Events are notifications: ``data`` carries ids and version facts (``updated_at``,
``content_sha256``), and a consumer that needs more reads the current row from Postgres.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from parley_schema.events.payloads import EventPayload


class EventEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = Field(pattern=r"^[a-z_]+\.[a-z_]+\.v[0-9]+$")
    occurred_at: datetime
    account_id: int | None = Field(
        description="the Chatwoot account; None for project-owned content (uploaded documents)"
    )
    correlation_id: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        payload: EventPayload,
        *,
        account_id: int | None,
        occurred_at: datetime,
        correlation_id: str | None = None,
    ) -> EventEnvelope:
        """The envelope that carries ``payload`` as its event type."""
        return cls(
            type=payload.ROUTING_KEY,
            occurred_at=occurred_at,
            account_id=account_id,
            correlation_id=correlation_id,
            data=payload.model_dump(mode="json"),
        )
