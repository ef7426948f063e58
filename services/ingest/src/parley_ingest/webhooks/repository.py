"""SQL for webhook_deliveries: the first delivery of a key claims it, repeats find it taken."""

from __future__ import annotations

from parley_schema.models import WebhookDelivery
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class DeliveryRepository:
    async def claim(
        self, session: AsyncSession, *, delivery_key: str, account_id: int, event: str
    ) -> bool:
        """True when this key was not seen before (the row is now written)."""
        statement = (
            insert(WebhookDelivery)
            .values(
                delivery_key=delivery_key, account_id=account_id, event=event, outcome="accepted"
            )
            .on_conflict_do_nothing(index_elements=["delivery_key"])
            .returning(WebhookDelivery.delivery_key)
        )
        return (await session.scalar(statement)) is not None


delivery_repository = DeliveryRepository()
