"""The erasure record as the API and the CLI show it: ids and counts only."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ErasureCounts(BaseModel):
    contacts: int
    conversations: int
    messages: int
    chunks: int
    outbox_events: int


class ErasureRead(BaseModel):
    id: int
    global_id: str
    erased_at: datetime
    erased_by: str
    counts: ErasureCounts
    quarantined_until: datetime
