"""SQL for the backfill's position: sync_watermarks (where to resume). Its runs are recorded
through :data:`parley_schema.jobs.job_run_repository`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from parley_schema.models import SyncWatermark
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class BackfillRepository:
    async def watermark(self, session: AsyncSession, source: str) -> SyncWatermark | None:
        return await session.scalar(
            select(SyncWatermark).where(SyncWatermark.source == source).with_for_update()
        )

    async def save_watermark(
        self,
        session: AsyncSession,
        source: str,
        *,
        cursor_ts: datetime | None,
        meta: dict[str, Any],
    ) -> None:
        statement = insert(SyncWatermark).values(source=source, cursor_ts=cursor_ts, meta=meta)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["source"],
                set_={
                    "cursor_ts": statement.excluded.cursor_ts,
                    "meta": statement.excluded.meta,
                    "updated_at": func.now(),
                },
            )
        )


backfill_repository = BackfillRepository()
