"""Reading the audit trail: administrators only (the route's dependency checks who asks)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.audit.errors import InvalidTimeRange
from parley_auth.audit.repository import audit_repository
from parley_auth.audit.schemas import AuditEntryRead, AuditFilters, AuditPage


class AuditService:
    async def page(self, session: AsyncSession, filters: AuditFilters) -> AuditPage:
        if filters.since and filters.until and filters.since >= filters.until:
            raise InvalidTimeRange("since must be before until", field="until")
        rows = await audit_repository.page(session, filters)
        entries = [AuditEntryRead.model_validate(row) for row in rows[: filters.limit]]
        more = len(rows) > filters.limit
        return AuditPage(entries=entries, next_cursor=entries[-1].id if more else None)


audit_service = AuditService()
