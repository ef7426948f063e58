"""Chatwoot webhook routes. Signed deliveries use the first; unsigned Chatwoot versions may
use the second with a per-account token (off unless configured).

The body is read raw (the signature covers its exact bytes), so its schema and the headers
are declared here for the OpenAPI document, with every status either route can answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from parley_runtime.database import SessionDep
from parley_runtime.error_handlers import error_responses

from parley_ingest.deps import SettingsDep, WakeRelayAfterCommit, WebhookServiceDep
from parley_ingest.webhooks.body import read_limited_body
from parley_ingest.webhooks.schemas import (
    CHATWOOT_PAYLOAD_EXAMPLE,
    RawDelivery,
    WebhookReceipt,
    chatwoot_payload_schema,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

# 400 malformed JSON or timestamp, 401 not proven to come from a configured account, 413 too
# large, 422 a required field missing or ill-typed, 503 the database took too long.
REFUSALS = error_responses(400, 401, 413, 422, 503)
CHATWOOT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A Chatwoot webhook payload, exactly as Chatwoot sent it.",
        "content": {
            "application/json": {
                "schema": chatwoot_payload_schema(),
                "example": CHATWOOT_PAYLOAD_EXAMPLE,
            }
        },
    }
}

TimestampHeader = Annotated[
    str | None,
    Header(
        alias="X-Chatwoot-Timestamp",
        description="Unix seconds when Chatwoot sent the delivery; within "
        "PARLEY_WEBHOOK_TIMESTAMP_WINDOW_S of now.",
    ),
]
DeliveryIdHeader = Annotated[
    str | None,
    Header(
        alias="X-Chatwoot-Delivery",
        description="Chatwoot's id of the delivery: a repeat of an id is answered "
        '`{"status": "duplicate"}`.',
    ),
]
SignatureHeader = Annotated[
    str | None,
    Header(
        alias="X-Chatwoot-Signature",
        description='`sha256=` HMAC-SHA256(secret, "<X-Chatwoot-Timestamp>.<raw body>").',
    ),
]


async def delivery_body(request: Request, settings: SettingsDep) -> bytes:
    return await read_limited_body(request, settings.webhook_max_body_bytes)


BodyDep = Annotated[bytes, Depends(delivery_body)]


async def signed_delivery(
    request: Request,
    body: BodyDep,
    signature: SignatureHeader = None,
    timestamp: TimestampHeader = None,
    delivery_id: DeliveryIdHeader = None,
) -> RawDelivery:
    return RawDelivery(
        body=body,
        signature=signature,
        timestamp=timestamp,
        delivery_id=delivery_id,
        url_token=None,
        correlation_id=getattr(request.state, "correlation_id", None),
    )


async def token_delivery(
    request: Request,
    token: str,
    body: BodyDep,
    timestamp: TimestampHeader = None,
    delivery_id: DeliveryIdHeader = None,
) -> RawDelivery:
    return RawDelivery(
        body=body,
        signature=None,
        timestamp=timestamp,
        delivery_id=delivery_id,
        url_token=token,
        correlation_id=getattr(request.state, "correlation_id", None),
    )


SignedDeliveryDep = Annotated[RawDelivery, Depends(signed_delivery)]
TokenDeliveryDep = Annotated[RawDelivery, Depends(token_delivery)]


@router.post(
    "/chatwoot",
    dependencies=[WakeRelayAfterCommit],
    responses=REFUSALS,
    openapi_extra=CHATWOOT_BODY,
)
async def receive_chatwoot_webhook(
    delivery: SignedDeliveryDep, session: SessionDep, webhooks: WebhookServiceDep
) -> WebhookReceipt:
    return await webhooks.receive(session, delivery)


@router.post(
    "/chatwoot/{token}",
    dependencies=[WakeRelayAfterCommit],
    responses=REFUSALS,
    openapi_extra=CHATWOOT_BODY,
)
async def receive_chatwoot_webhook_with_token(
    delivery: TokenDeliveryDep, session: SessionDep, webhooks: WebhookServiceDep
) -> WebhookReceipt:
    return await webhooks.receive(session, delivery)
