"""The audit trail's own retention: rows older than ``PARLEY_AUDIT_RETENTION_DAYS`` go."""

from __future__ import annotations

from datetime import datetime, timedelta

from parley_schema.jobs import JobResult
from parley_schema.models import ApiRequest
from sqlalchemy import delete
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

JOB_NAME = "audit-retention"


async def purge_audit_trail(
    session: AsyncSession, *, now: datetime, retention: timedelta
) -> JobResult:
    """Delete the rows of requests that arrived more than ``retention`` before ``now``."""
    result = await session.execute(delete(ApiRequest).where(ApiRequest.at < now - retention))
    assert isinstance(result, CursorResult)
    return JobResult(processed=result.rowcount, meta={"retention_days": retention.days})
