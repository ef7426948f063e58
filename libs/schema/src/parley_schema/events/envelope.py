"""The envelope every Parley event travels in.

Events are notifications: ``data`` carries ids and version facts (``updated_at``,
``content_sha256``), and a consumer that needs more reads the current row from Postgres.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class EventEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = Field(pattern=r"^[a-z_]+\.[a-z_]+\.v[0-9]+$")
    occurred_at: datetime
    account_id: int
    correlation_id: str | None = None
    data: dict[str, Any]
