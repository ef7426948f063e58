"""SQL for cw_contacts, cw_conversations and cw_messages: insert-or-lock, then update.

:meth:`ChatwootRowRepository.insert_or_lock` does in one round trip what the versioning rule
needs first: insert the rows that are new, and lock and read the ones that exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from parley_schema.models import CwContact, CwConversation, CwMessage
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Table,
    Text,
    TextClause,
    bindparam,
    null,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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


def _json_ready(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in values.items()
    }


def _insert_or_lock_statement(table: Table) -> TextClause:
    """For ``table``: insert new rows from a JSON array, lock and read existing ones."""
    # created_at of contacts and conversations is Parley's own (server default).
    columns = [
        column.name
        for column in table.columns
        if column.name != "created_at" or table.name == CwMessage.__tablename__
    ]
    listed = ", ".join(columns)
    deleted = "deleted_at" if "deleted_at" in table.columns else "NULL::timestamptz"
    # Table and column names come from the models, never from input. ``ON CONFLICT`` names
    # no index: besides the primary key, each table has a unique (account, Chatwoot id) index
    # on the same identity, and a row a concurrent transaction is inserting may conflict on
    # that one first, which a conflict target of ``(id)`` turns into a unique violation.
    sql = f"""
        WITH incoming AS (
            SELECT {listed} FROM jsonb_populate_recordset(NULL::{table.name}, :rows)
        ), inserted AS (
            INSERT INTO {table.name} ({listed}) SELECT {listed} FROM incoming
            ON CONFLICT DO NOTHING RETURNING id
        ), stored AS (
            SELECT id, updated_at, data, {deleted} AS deleted_at FROM {table.name}
            WHERE id = ANY(:ids) ORDER BY id FOR UPDATE
        )
        SELECT id, true, NULL::timestamptz, NULL::jsonb, NULL::timestamptz FROM inserted
        UNION ALL
        SELECT id, false, updated_at, data, deleted_at FROM stored
    """  # noqa: S608
    return text(sql).bindparams(bindparam("rows", type_=JSONB), bindparam("ids", type_=ARRAY(Text)))


_INSERT_OR_LOCK = {
    model.__tablename__: _insert_or_lock_statement(model.__table__)  # type: ignore[arg-type]
    for model in (CwContact, CwConversation, CwMessage)
}


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
        The rows travel as one JSON array, so the statement text never changes (it is
        prepared once per connection instead of compiled per request).
        """
        ordered = sorted(rows, key=lambda row: row.id)
        result = await session.execute(
            _INSERT_OR_LOCK[model.__tablename__],
            {
                "rows": [_json_ready(row_values(row)) for row in ordered],
                "ids": [row.id for row in ordered],
            },
        )
        found = InsertedOrLocked(inserted=set(), stored={})
        for row_id, is_new, version, data, deleted_at in result.all():
            if is_new:
                found.inserted.add(row_id)
            else:
                found.stored[row_id] = VersionedState(version, data, deleted_at is not None)
        return found

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

    async def mark_labels_stale(
        self, session: AsyncSession, contact_ids: Sequence[str], *, named: Sequence[str]
    ) -> None:
        """Queue contacts for a label read: those ``named`` (a contact event arrived), and
        any of ``contact_ids`` whose labels were never read nor queued. A contact already
        queued is queued once: its mark moves to now, and one read serves every event. The
        mark is the statement's clock (not the transaction's), so a mark made while a read
        is under way is always newer than the one the read took."""
        if not contact_ids and not named:
            return
        await session.execute(
            text(
                "UPDATE cw_contacts SET labels_stale_at = clock_timestamp() WHERE id = ANY(:ids)"
                " AND (id = ANY(:named) OR (labels IS NULL AND labels_stale_at IS NULL))"
            ).bindparams(
                bindparam("ids", type_=ARRAY(Text)), bindparam("named", type_=ARRAY(Text))
            ),
            {"ids": sorted({*contact_ids, *named}), "named": list(named)},
        )

    async def touch_contact_activity(
        self, session: AsyncSession, activity: dict[str, datetime]
    ) -> None:
        """Move each contact's ``last_activity_at`` forward to its conversation's (never back:
        states arriving out of order converge to the latest)."""
        if not activity:
            return
        await session.execute(
            text(
                "UPDATE cw_contacts c SET last_activity_at = a.at"
                " FROM unnest(:ids, :ats) AS a(id, at)"
                " WHERE c.id = a.id AND (c.last_activity_at IS NULL OR c.last_activity_at < a.at)"
            ).bindparams(
                bindparam("ids", type_=ARRAY(Text)),
                bindparam("ats", type_=ARRAY(DateTime(timezone=True))),
            ),
            {"ids": list(activity), "ats": list(activity.values())},
        )


chatwoot_row_repository = ChatwootRowRepository()
