"""Receive one Chatwoot delivery: authenticate, parse, de-duplicate, store, count.

Checks run cheapest-refusal first and nothing is written until all pass: size (413, in the
endpoint's body reader), signature or URL token and timestamp (401, 400), JSON (400), account
named in the body (401), shape (422). Then the delivery key is claimed in ``webhook_deliveries`` and the rows and
their events are written in the request's single transaction, so a refusal or a crash leaves
no trace and a repeated delivery is a 200 no-op.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from parley_schema.errors import ParleyError
from sqlalchemy.ext.asyncio import AsyncSession

from parley_ingest import metrics
from parley_ingest.normalization.chatwoot_events import STORED_EVENTS, rows_from_event
from parley_ingest.normalization.errors import InvalidPayload
from parley_ingest.normalization.service import IngestionService
from parley_ingest.settings import IngestSettings
from parley_ingest.webhooks.authentication import Sender, WebhookAuthenticator
from parley_ingest.webhooks.json_body import parse_object
from parley_ingest.webhooks.repository import BODY_HASH_MARK, delivery_repository
from parley_ingest.webhooks.schemas import RawDelivery, WebhookReceipt

log = structlog.get_logger(__name__)
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@dataclass(frozen=True)
class DeliveryKey:
    """What makes a delivery a repeat, and for how long."""

    value: str
    repeats_for: timedelta


def delivery_key(delivery: RawDelivery, account_id: int, settings: IngestSettings) -> DeliveryKey:
    """Chatwoot's delivery id (stable across its retries; a repeat for as long as keys are
    kept), else a hash of the body: a repeat only within Chatwoot's retry horizon, since a
    later identical body is a new state (a contact changed back) that must not be dropped."""
    if delivery.delivery_id and _DELIVERY_ID.match(delivery.delivery_id):
        return DeliveryKey(
            f"{account_id}:{delivery.delivery_id}",
            timedelta(seconds=settings.delivery_key_retention_s),
        )
    return DeliveryKey(
        f"{account_id}{BODY_HASH_MARK}{hashlib.sha256(delivery.body).hexdigest()}",
        timedelta(seconds=settings.webhook_retry_horizon_s),
    )


class WebhookService:
    def __init__(
        self,
        *,
        settings: IngestSettings,
        authenticator: WebhookAuthenticator,
        ingestion: IngestionService,
    ) -> None:
        self._settings = settings
        self._authenticator = authenticator
        self._ingestion = ingestion

    async def receive(self, session: AsyncSession, delivery: RawDelivery) -> WebhookReceipt:
        event: str | None = None
        try:
            now = datetime.now(UTC)
            sender = self._authenticator.sender(delivery, now)
            payload = parse_object(delivery.body)
            raw_event = payload.get("event")
            if not isinstance(raw_event, str):
                raise InvalidPayload("event: a string is required", field="event")
            event = raw_event
            if event not in STORED_EVENTS:
                receipt = WebhookReceipt(status="ignored", event=event)
            else:
                receipt = await self._store(session, delivery, payload, event, sender, now)
        except ParleyError as error:
            metrics.WEBHOOKS_RECEIVED.labels(metrics.event_label(event), error.code).inc()
            log.info("webhook_refused", webhook_event=event, code=error.code, field=error.field)
            raise
        metrics.WEBHOOKS_RECEIVED.labels(metrics.event_label(event), receipt.status).inc()
        return receipt

    async def _store(
        self,
        session: AsyncSession,
        delivery: RawDelivery,
        payload: dict[str, Any],
        event: str,
        sender: Sender,
        now: datetime,
    ) -> WebhookReceipt:
        started = time.perf_counter()
        account_id = sender.account_for(payload)
        batch = rows_from_event(
            event, payload, account_id=account_id, version=sender.sent_at or now
        )
        key = delivery_key(delivery, account_id, self._settings)
        claimed = await delivery_repository.claim(
            session,
            delivery_key=key.value,
            account_id=account_id,
            event=event,
            repeats_for=key.repeats_for,
        )
        if not claimed:
            log.info("webhook_duplicate", account_id=account_id, webhook_event=event)
            return WebhookReceipt(status="duplicate", event=event)
        envelopes = await self._ingestion.apply(
            session, batch, correlation_id=delivery.correlation_id
        )
        metrics.NORMALIZE_SECONDS.observe(time.perf_counter() - started)
        log.info(
            "webhook_stored",
            account_id=account_id,
            webhook_event=event,
            events_written=len(envelopes),
        )
        return WebhookReceipt(
            status="stored" if envelopes else "unchanged",
            event=event,
            events_written=len(envelopes),
        )
