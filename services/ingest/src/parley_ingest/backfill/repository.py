"""SQL for the backfill's bookkeeping: sync_watermarks (where to resume) and job_runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from parley_schema.models import JobRun, SyncWatermark
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class BackfillRepository:
    async def start_job(self, session: AsyncSession, job_name: str, meta: dict[str, Any]) -> int:
        job_id: int | None = await session.scalar(
            insert(JobRun)
            .values(job_name=job_name, status="running", meta=meta)
            .returning(JobRun.id)
        )
        assert job_id is not None
        return job_id

    async def finish_job(
        self,
        session: AsyncSession,
        job_id: int,
        *,
        status: str,
        processed_count: int,
        meta: dict[str, Any],
        error: str | None = None,
    ) -> None:
        await session.execute(
            update(JobRun)
            .where(JobRun.id == job_id)
            .values(
                status=status,
                processed_count=processed_count,
                finished_at=func.now(),
                error=error,
                meta=JobRun.meta.op("||")(meta),
            )
        )

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
