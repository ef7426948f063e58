"""Chatwoot webhook routes. Signed deliveries use the first; unsigned Chatwoot versions may
use the second with a per-account token (off unless configured)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from parley_runtime.database import SessionDep

from parley_ingest.deps import SettingsDep, WakeRelayAfterCommit, WebhookServiceDep
from parley_ingest.webhooks.body import read_limited_body
from parley_ingest.webhooks.schemas import RawDelivery, WebhookReceipt

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


async def raw_delivery(request: Request, settings: SettingsDep) -> RawDelivery:
    headers = request.headers
    return RawDelivery(
        body=await read_limited_body(request, settings.webhook_max_body_bytes),
        signature=headers.get("x-chatwoot-signature"),
        timestamp=headers.get("x-chatwoot-timestamp"),
        delivery_id=headers.get("x-chatwoot-delivery"),
        url_token=request.path_params.get("token"),
        correlation_id=getattr(request.state, "correlation_id", None),
    )


RawDeliveryDep = Annotated[RawDelivery, Depends(raw_delivery)]


@router.post("/chatwoot", dependencies=[WakeRelayAfterCommit])
async def receive_chatwoot_webhook(
    delivery: RawDeliveryDep, session: SessionDep, webhooks: WebhookServiceDep
) -> WebhookReceipt:
    return await webhooks.receive(session, delivery)


@router.post("/chatwoot/{token}", dependencies=[WakeRelayAfterCommit])
async def receive_chatwoot_webhook_with_token(
    token: str, delivery: RawDeliveryDep, session: SessionDep, webhooks: WebhookServiceDep
) -> WebhookReceipt:
    return await webhooks.receive(session, delivery)
