"""What arrives with a webhook and what the endpoint answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from parley_ingest.normalization.schemas import ContactEvent, ConversationEvent, MessageEvent


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


# The example the OpenAPI document shows: a message as Chatwoot's ``Message#webhook_data``
# shapes it, trimmed to what Parley reads.
CHATWOOT_PAYLOAD_EXAMPLE: dict[str, Any] = {
    "event": "message_created",
    "id": 9001,
    "content": "Hi! Where is my order #A-1042?",
    "message_type": "incoming",
    "private": False,
    "created_at": "2025-11-24T16:01:40.000Z",
    "account": {"id": 1, "name": "Acme Support"},
    "sender": {"id": 501, "type": "contact"},
    "conversation": {
        "id": 42,
        "inbox_id": 3,
        "status": "open",
        "meta": {"sender": {"id": 501, "name": "Anna Müller", "email": "anna@example.test"}},
    },
}


def chatwoot_payload_schema() -> dict[str, Any]:
    """The body as the OpenAPI document describes it: any Chatwoot event object; the stored
    kinds in the detail their models (which validate them) require."""
    return {
        "anyOf": [
            *(
                _inlined(model.model_json_schema())
                for model in (MessageEvent, ConversationEvent, ContactEvent)
            ),
            {
                "type": "object",
                "required": ["event"],
                "properties": {"event": {"type": "string"}},
                "additionalProperties": True,
            },
        ]
    }


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``#/$defs/…`` references replaced by the definitions (the models
    are not recursive), so it can sit anywhere in an OpenAPI document."""
    definitions = schema.pop("$defs", {})

    def resolve(value: Any) -> Any:
        if isinstance(value, dict):
            reference = value.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/$defs/"):
                return resolve(definitions[reference.removeprefix("#/$defs/")])
            return {key: resolve(child) for key, child in value.items()}
        if isinstance(value, list):
            return [resolve(child) for child in value]
        return value

    resolved: dict[str, Any] = resolve(schema)
    return resolved
