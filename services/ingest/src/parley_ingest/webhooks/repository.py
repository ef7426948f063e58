"""SQL for webhook_deliveries: the first delivery of a key claims it, repeats find it taken."""

from __future__ import annotations

from datetime import timedelta

from parley_schema.models import WebhookDelivery
from sqlalchemy import delete, func, literal, or_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

# Between the account and the hex digest of a key made from the body's hash.
BODY_HASH_MARK = ":sha256:"


class DeliveryRepository:
    async def claim(
        self,
        session: AsyncSession,
        *,
        delivery_key: str,
        account_id: int,
        event: str,
        repeats_for: timedelta,
    ) -> bool:
        """True when this key was not seen in the last ``repeats_for`` (the row now says it was
        received now). Concurrent claims of one key: exactly one is True."""
        values = insert(WebhookDelivery).values(
            delivery_key=delivery_key, account_id=account_id, event=event, outcome="accepted"
        )
        statement = values.on_conflict_do_update(
            index_elements=["delivery_key"],
            set_={
                "account_id": values.excluded.account_id,
                "event": values.excluded.event,
                "outcome": values.excluded.outcome,
                "received_at": func.now(),
            },
            where=WebhookDelivery.received_at < func.now() - literal(repeats_for),
        ).returning(WebhookDelivery.delivery_key)
        return (await session.scalar(statement)) is not None

    async def delete_expired(
        self, session: AsyncSession, *, older_than: timedelta, body_hashes_older_than: timedelta
    ) -> int:
        """Delete keys received more than ``older_than`` ago, and keys made from a body's hash
        more than ``body_hashes_older_than`` ago (they no longer mark repeats); how many."""
        cutoff = func.now() - literal(older_than)
        body_hash_cutoff = func.now() - literal(body_hashes_older_than)
        result = await session.execute(
            delete(WebhookDelivery).where(
                or_(
                    WebhookDelivery.received_at < cutoff,
                    (WebhookDelivery.received_at < body_hash_cutoff)
                    & WebhookDelivery.delivery_key.contains(BODY_HASH_MARK, autoescape=True),
                )
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


delivery_repository = DeliveryRepository()
