"""Source grants and the rule for attaching Chatwoot sources to a project.

An administrator may attach any account or inbox. Anyone else needs a grant covering every
source they attach (``coverage.uncovered``), and an administrator makes those grants. The
callers of these methods have checked that ``me`` is an administrator (``CurrentAdmin``) or
are the operator's CLI. Revoking a grant stops later attachments; sources already attached
stay until a project owner removes them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import structlog
from parley_authn import Principal
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.grants.coverage import uncovered
from parley_auth.grants.errors import GrantNotFound
from parley_auth.grants.repository import GrantRow, grant_repository
from parley_auth.grants.schemas import GrantCreate, GrantRead
from parley_auth.projects.errors import SourceNotPermitted, UserNotFound
from parley_auth.users.repository import user_repository

log = structlog.get_logger(__name__)


def _read(row: GrantRow) -> GrantRead:
    grant, username = row
    return GrantRead(
        id=grant.id,
        user_id=grant.user_id,
        username=username,
        account_id=grant.account_id,
        inbox_id=grant.inbox_id,
        granted_by=grant.granted_by,
        created_at=grant.created_at,
    )


class GrantService:
    async def grant(
        self, session: AsyncSession, body: GrantCreate, *, granted_by: uuid.UUID | None
    ) -> GrantRead:
        """Granting a source twice keeps the first grant."""
        user = await user_repository.get_by_username(session, body.username)
        if user is None:
            raise UserNotFound("no such user", field="username")
        row = await grant_repository.add(
            session,
            user_id=user.id,
            account_id=body.account_id,
            inbox_id=body.inbox_id,
            granted_by=granted_by,
        )
        log.info(
            "source_granted",
            user_id=str(user.id),
            account_id=body.account_id,
            inbox_id=body.inbox_id,
            granted_by=str(granted_by) if granted_by else None,
        )
        return _read(row)

    async def list_for(self, session: AsyncSession, username: str | None) -> list[GrantRead]:
        return [_read(row) for row in await grant_repository.list_for(session, username)]

    async def revoke(self, session: AsyncSession, grant_id: uuid.UUID) -> None:
        if not await grant_repository.delete(session, grant_id):
            raise GrantNotFound("no such grant")
        log.info("source_grant_revoked", grant_id=str(grant_id))

    async def revoke_matching(self, session: AsyncSession, body: GrantCreate) -> None:
        """Revoke the grant of exactly this source (``parley auth revoke``)."""
        user = await user_repository.get_by_username(session, body.username)
        if user is None or not await grant_repository.delete_matching(
            session, user_id=user.id, account_id=body.account_id, inbox_id=body.inbox_id
        ):
            raise GrantNotFound(f"{body.username!r} has no grant of exactly this source")
        log.info("source_grant_revoked", user_id=str(user.id), account_id=body.account_id)

    async def require_permitted(
        self,
        session: AsyncSession,
        me: Principal,
        account_id: int,
        inbox_ids: Sequence[int | None],
    ) -> None:
        """Raise ``source_not_permitted`` unless ``me`` may attach all of these sources of
        ``account_id`` (``None``: the whole account)."""
        if me.is_admin:
            return
        granted = await grant_repository.granted_inboxes(session, me.user_id, account_id)
        missing = uncovered(granted, inbox_ids)
        if missing:
            what = ", ".join("the whole account" if i is None else f"inbox {i}" for i in missing)
            log.info("source_not_permitted", user_id=str(me.user_id), account_id=account_id)
            raise SourceNotPermitted(
                f"account {account_id}: {what} needs an administrator or a grant "
                "(parley auth grant)"
            )


grant_service = GrantService()
