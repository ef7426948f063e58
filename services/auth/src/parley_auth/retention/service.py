"""An administrator's retention window for one Chatwoot account.

It overrides ``PARLEY_RETENTION_DAYS`` (read by ingest, which deletes what is older on its
schedule); ``days = None`` keeps the account's messages forever; removing the override
brings the account back to the default. Callers checked that the caller is an administrator
(``CurrentAdmin``) or are the operator's CLI.
"""

from __future__ import annotations

import uuid

import structlog
from parley_schema.models import AccountRetention
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.retention.errors import RetentionNotSet
from parley_auth.retention.repository import retention_repository
from parley_auth.retention.schemas import RetentionRead, RetentionSet

log = structlog.get_logger(__name__)


def _read(row: AccountRetention) -> RetentionRead:
    return RetentionRead(
        account_id=row.account_id,
        days=row.retention_days,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


class RetentionService:
    async def set(
        self,
        session: AsyncSession,
        account_id: int,
        body: RetentionSet,
        *,
        updated_by: uuid.UUID | None,
    ) -> RetentionRead:
        row = await retention_repository.put(session, account_id, body.days, updated_by)
        log.info(
            "retention_set",
            account_id=account_id,
            days=body.days,
            updated_by=str(updated_by) if updated_by else None,
        )
        return _read(row)

    async def get(self, session: AsyncSession, account_id: int) -> RetentionRead:
        row = await retention_repository.get(session, account_id)
        if row is None:
            raise RetentionNotSet("this account follows PARLEY_RETENTION_DAYS")
        return _read(row)

    async def clear(self, session: AsyncSession, account_id: int) -> None:
        if not await retention_repository.delete(session, account_id):
            raise RetentionNotSet("this account follows PARLEY_RETENTION_DAYS")
        log.info("retention_cleared", account_id=account_id)


retention_service = RetentionService()
