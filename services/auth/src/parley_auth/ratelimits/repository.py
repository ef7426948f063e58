"""SQL for fixed-window counters: one upsert per hit."""

from __future__ import annotations

from datetime import datetime

from parley_schema.models import RateLimitCounter
from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class RateLimitRepository:
    async def hit(self, session: AsyncSession, bucket: str, window_start: datetime) -> int:
        """Count one attempt in ``bucket``'s window; return the attempts in that window."""
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


rate_limit_repository = RateLimitRepository()
