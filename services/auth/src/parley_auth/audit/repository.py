"""SQL over ``api_requests``: newest-first pages for the API, oldest-first tails for the CLI."""

from __future__ import annotations

from collections.abc import Sequence

from parley_schema.models import ApiRequest
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.audit.schemas import AuditFilters


class AuditRepository:
    async def page(self, session: AsyncSession, filters: AuditFilters) -> Sequence[ApiRequest]:
        """Up to ``filters.limit + 1`` rows matching, older than the cursor, newest first
        (the extra row tells whether there is a next page)."""
        conditions: list[ColumnElement[bool]] = []
        if filters.since is not None:
            conditions.append(ApiRequest.at >= filters.since)
        if filters.until is not None:
            conditions.append(ApiRequest.at < filters.until)
        if filters.endpoint is not None:
            conditions.append(ApiRequest.endpoint == filters.endpoint)
        if filters.status is not None:
            conditions.append(ApiRequest.status == filters.status)
        if filters.user is not None:
            conditions.append(ApiRequest.user_id == filters.user)
        if filters.project is not None:
            conditions.append(ApiRequest.project_id == filters.project)
        if filters.cursor is not None:
            conditions.append(ApiRequest.id < filters.cursor)
        statement = (
            select(ApiRequest)
            .where(*conditions)
            .order_by(ApiRequest.id.desc())
            .limit(filters.limit + 1)
        )
        return (await session.scalars(statement)).all()

    async def latest(self, session: AsyncSession, count: int) -> Sequence[ApiRequest]:
        """The last ``count`` rows, oldest first."""
        rows = await session.scalars(select(ApiRequest).order_by(ApiRequest.id.desc()).limit(count))
        return list(reversed(rows.all()))

    async def after(self, session: AsyncSession, last_id: int, limit: int) -> Sequence[ApiRequest]:
        """Rows written after ``last_id``, oldest first."""
        statement = (
            select(ApiRequest).where(ApiRequest.id > last_id).order_by(ApiRequest.id).limit(limit)
        )
        return (await session.scalars(statement)).all()


audit_repository = AuditRepository()
