"""SQL for the erasure audit and the quarantine of erased ids. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from parley_schema.models import Erasure, ErasureQuarantine
from sqlalchemy import Text, any_, bindparam, delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

# One advisory lock per contact: an erasure takes it exclusively, every write of rows naming
# the contact shares it, so a delivery in flight finishes before the erasure deletes, and one
# arriving meanwhile waits and then finds the quarantine (taken in key order: no deadlock).
_LOCK = (
    "SELECT {function}(key) FROM ("
    " SELECT DISTINCT hashtextextended('contact:' || id, 0) AS key"
    " FROM unnest(CAST(:ids AS text[])) AS id ORDER BY key OFFSET 0) AS keys"
)
LOCK_CONTACTS_SHARED = text(_LOCK.format(function="pg_advisory_xact_lock_shared"))
LOCK_CONTACTS = text(_LOCK.format(function="pg_advisory_xact_lock"))


class ErasureRepository:
    async def lock_contacts(
        self, session: AsyncSession, ids: Sequence[str], *, exclusive: bool
    ) -> None:
        if ids:
            statement = LOCK_CONTACTS if exclusive else LOCK_CONTACTS_SHARED
            await session.execute(statement, {"ids": sorted(set(ids))})

    async def quarantined(self, session: AsyncSession, ids: Sequence[str]) -> set[str]:
        """Which of these global ids ingest must not store now."""
        if not ids:
            return set()
        found = await session.scalars(
            select(ErasureQuarantine.global_id).where(
                ErasureQuarantine.global_id
                == any_(bindparam("ids", list(set(ids)), type_=ARRAY(Text))),
                ErasureQuarantine.until > func.now(),
            )
        )
        return set(found)

    async def delete_expired_quarantine(self, session: AsyncSession) -> int:
        """Quarantine rows past their ``until`` (the erasure's audit row stays)."""
        result = await session.execute(
            delete(ErasureQuarantine).where(ErasureQuarantine.until <= func.now())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def record(
        self,
        session: AsyncSession,
        *,
        global_id: str,
        erased_by: str,
        counts: dict[str, Any],
        quarantined_until: datetime,
    ) -> Erasure:
        erasure: Erasure | None = await session.scalar(
            insert(Erasure)
            .values(
                global_id=global_id,
                erased_by=erased_by,
                counts=counts,
                quarantined_until=quarantined_until,
            )
            .returning(Erasure)
        )
        assert erasure is not None
        return erasure

    async def quarantine(
        self, session: AsyncSession, erasure_id: int, ids: Sequence[str], until: datetime
    ) -> None:
        """Refuse these ids until ``until`` (a later erasure of the same id extends it)."""
        if not ids:
            return
        statement = pg_insert(ErasureQuarantine).values(
            [{"global_id": id_, "erasure_id": erasure_id, "until": until} for id_ in ids]
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["global_id"],
                set_={
                    "erasure_id": statement.excluded.erasure_id,
                    "until": statement.excluded.until,
                },
            )
        )


erasure_repository = ErasureRepository()
