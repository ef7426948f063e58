"""SQL for fixed-window counters: one statement per hit."""

from __future__ import annotations

from datetime import datetime

from parley_schema.models import RateLimitCounter
from sqlalchemy import case, delete, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class RateLimitRepository:
    async def hit(self, session: AsyncSession, bucket: str, window_start: datetime) -> int:
        """Count one attempt in ``bucket``'s window; return the attempts in that window.

        One upsert, so parallel hits on a bucket queue on its row and each sees its own count.
        """
        table = RateLimitCounter.__table__
        statement = insert(RateLimitCounter).values(
            bucket=bucket, window_start=window_start, hits=1
        )
        upsert = statement.on_conflict_do_update(
            index_elements=[table.c.bucket],
            set_={
                "hits": case(
                    (table.c.window_start == statement.excluded.window_start, table.c.hits + 1),
                    else_=1,
                ),
                "window_start": statement.excluded.window_start,
            },
        ).returning(table.c.hits)
        hits: int = (await session.execute(upsert)).scalar_one()
        return hits

    async def unhit(self, session: AsyncSession, bucket: str, window_start: datetime) -> None:
        """Take back one attempt of ``bucket``, if its window is still ``window_start``."""
        await session.execute(
            update(RateLimitCounter)
            .where(
                RateLimitCounter.bucket == bucket,
                RateLimitCounter.window_start == window_start,
                RateLimitCounter.hits > 0,
            )
            .values(hits=RateLimitCounter.hits - 1)
        )

    async def delete_before(self, session: AsyncSession, cutoff: datetime) -> int:
        """Delete counters whose window started before ``cutoff``; the number deleted."""
        result = await session.execute(
            delete(RateLimitCounter).where(RateLimitCounter.window_start < cutoff)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


rate_limit_repository = RateLimitRepository()
