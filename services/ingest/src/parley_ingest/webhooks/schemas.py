"""What arrives with a webhook and what the endpoint answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel


@dataclass(frozen=True)
class RawDelivery:
    """One HTTP delivery, before anything is trusted."""

    body: bytes
    signature: str | None
    timestamp: str | None
    delivery_id: str | None
    url_token: str | None
    correlation_id: str | None


class WebhookReceipt(BaseModel):
    status: Literal["stored", "unchanged", "duplicate", "ignored"]
    event: str
    events_written: int = 0
