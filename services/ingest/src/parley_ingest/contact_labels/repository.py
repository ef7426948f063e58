"""SQL of the contact-label sync: the queue is ``cw_contacts.labels_stale_at``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from parley_schema.models import CwContact
from sqlalchemy import DateTime, Text, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class StaleContact:
    id: str
    account_id: int
    contact_id: int
    stale_at: datetime  # the mark read; a newer one means another event arrived meanwhile


@dataclass(frozen=True)
class ReadLabels:
    contact: StaleContact
    labels: list[str] | None  # None: the contact is gone from Chatwoot (labels kept)


class ContactLabelRepository:
    async def stale(
        self, session: AsyncSession, *, limit: int, account_id: int | None = None
    ) -> list[StaleContact]:
        """The contacts waiting longest for a label read (the partial index of 0011)."""
        query = (
            select(
                CwContact.id, CwContact.account_id, CwContact.contact_id, CwContact.labels_stale_at
            )
            .where(CwContact.labels_stale_at.is_not(None))
            .order_by(CwContact.labels_stale_at, CwContact.id)
            .limit(limit)
        )
        if account_id is not None:
            query = query.where(CwContact.account_id == account_id)
        rows = await session.execute(query)
        return [StaleContact(i, a, c, at) for i, a, c, at in rows if at is not None]

    async def store(self, session: AsyncSession, read: Sequence[ReadLabels]) -> None:
        """Store what was read and take each contact off the queue, unless a contact event
        marked it again after the read started (then it stays queued and is read again)."""
        if not read:
            return
        statement = text(
            "UPDATE cw_contacts SET labels = coalesce(:labels, labels),"
            " labels_synced_at = now(), labels_stale_at = nullif(labels_stale_at, :stale_at)"
            " WHERE id = :contact_id"
        ).bindparams(
            bindparam("labels", type_=ARRAY(Text)),
            bindparam("stale_at", type_=DateTime(timezone=True)),
        )
        await session.execute(
            statement,
            [
                {"contact_id": r.contact.id, "labels": r.labels, "stale_at": r.contact.stale_at}
                for r in sorted(read, key=lambda r: r.contact.id)
            ],
        )


contact_label_repository = ContactLabelRepository()
