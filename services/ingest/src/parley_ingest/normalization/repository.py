"""SQL for cw_contacts, cw_conversations and cw_messages: insert-or-lock, then update.

:meth:`ChatwootRowRepository.insert_or_lock` does in one round trip what the versioning rule
needs first: insert the rows that are new, and lock and read the ones that exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from parley_schema.models import CwContact, CwConversation, CwMessage
from sqlalchemy import ColumnElement, DateTime, cast, false, null, select, true, union_all, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley_ingest.normalization.rows import ContactRow, ConversationRow, MessageRow
from parley_ingest.normalization.versioning import VersionedState

CwModel = type[CwContact] | type[CwConversation] | type[CwMessage]
Row = ContactRow | ConversationRow | MessageRow


def row_values(row: Row) -> dict[str, Any]:
    """Column values of ``row``; its version is stored as ``updated_at``."""
    values = {field.name: getattr(row, field.name) for field in fields(row)}  # shallow
    version = values.pop("version")
    values["updated_at"] = version
    if isinstance(row, MessageRow):
        values["deleted_at"] = version if values.pop("deleted") else None
    return values


@dataclass(frozen=True)
class InsertedOrLocked:
    inserted: set[str]  # new rows, now written
    stored: dict[str, VersionedState]  # existing rows, locked until the transaction ends


class ChatwootRowRepository:
    async def insert_or_lock(
        self, session: AsyncSession, model: CwModel, rows: Sequence[Row]
    ) -> InsertedOrLocked:
        """Insert the rows whose id is new; lock and return the state of the others.

        Both parts of the statement see the same snapshot, so a row another transaction
        inserted meanwhile is in neither part; the caller locks those with :meth:`lock`.
        """
        ordered = sorted(rows, key=lambda row: row.id)
        ids = [row.id for row in ordered]
        deleted: ColumnElement[Any] = (
            CwMessage.deleted_at if model is CwMessage else null()  # type: ignore[assignment]
        )
        inserted = (
            insert(model)
            .values([row_values(row) for row in ordered])
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(model.id)
            .cte("inserted")
        )
        stored = (
            select(
                model.id,
                model.updated_at,
                model.data,
                cast(deleted, DateTime(timezone=True)).label("deleted_at"),
            )
            .where(model.id.in_(ids))
            .order_by(model.id)
            .with_for_update()
            .cte("stored")
        )
        query = union_all(
            select(
                inserted.c.id,
                true().label("is_new"),
                cast(null(), DateTime(timezone=True)),
                cast(null(), JSONB),
                cast(null(), DateTime(timezone=True)),
            ),
            select(
                stored.c.id,
                false(),
                stored.c.updated_at,
                stored.c.data,
                stored.c.deleted_at,
            ),
        )
        result = InsertedOrLocked(inserted=set(), stored={})
        for row_id, is_new, version, data, deleted_at in (await session.execute(query)).all():
            if is_new:
                result.inserted.add(row_id)
            else:
                result.stored[row_id] = VersionedState(version, data, deleted_at is not None)
        return result

    async def lock(
        self, session: AsyncSession, model: CwModel, ids: Sequence[str]
    ) -> dict[str, VersionedState]:
        """The stored state of each existing row, locked until the transaction ends."""
        if not ids:
            return {}
        deleted: ColumnElement[Any] = (
            CwMessage.deleted_at if model is CwMessage else null()  # type: ignore[assignment]
        )
        query = (
            select(model.id, model.updated_at, model.data, deleted)
            .where(model.id.in_(sorted(ids)))
            .order_by(model.id)
            .with_for_update()
        )
        result = await session.execute(query)
        return {
            row_id: VersionedState(version=version, data=data, deleted=deleted_at is not None)
            for row_id, version, data, deleted_at in result.all()
        }

    async def replace(self, session: AsyncSession, model: CwModel, rows: Sequence[Row]) -> None:
        """Overwrite existing rows (already locked) with the given states."""
        if rows:
            await session.execute(update(model), [row_values(row) for row in rows])

    async def refresh_versions(
        self, session: AsyncSession, model: CwModel, rows: Sequence[Row]
    ) -> None:
        """Move the stored version of rows whose data is unchanged forward."""
        if rows:
            await session.execute(
                update(model), [{"id": row.id, "updated_at": row.version} for row in rows]
            )


chatwoot_row_repository = ChatwootRowRepository()
