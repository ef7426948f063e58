"""SQL for cw_contacts, cw_conversations and cw_messages: lock, insert-if-absent, update."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from parley_schema.models import CwContact, CwConversation, CwMessage
from sqlalchemy import ColumnElement, null, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley_ingest.normalization.rows import ContactRow, ConversationRow, MessageRow
from parley_ingest.normalization.versioning import VersionedState

CwModel = type[CwContact] | type[CwConversation] | type[CwMessage]
Row = ContactRow | ConversationRow | MessageRow


def row_values(row: Row) -> dict[str, Any]:
    """Column values of ``row``; its version is stored as ``updated_at``."""
    values = asdict(row)
    version = values.pop("version")
    values["updated_at"] = version
    if isinstance(row, MessageRow):
        values["deleted_at"] = version if values.pop("deleted") else None
    return values


class ChatwootRowRepository:
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

    async def insert_absent(
        self, session: AsyncSession, model: CwModel, rows: Sequence[Row]
    ) -> set[str]:
        """Insert rows whose id is new; return the ids actually inserted."""
        if not rows:
            return set()
        values = [row_values(row) for row in sorted(rows, key=lambda row: row.id)]
        statement = (
            insert(model).values(values).on_conflict_do_nothing(index_elements=["id"])
        ).returning(model.id)
        return set((await session.scalars(statement)).all())

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
