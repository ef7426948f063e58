"""``/v1/auth/admin/grants``: administrators let users attach given Chatwoot sources."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from parley_runtime.database import SessionDep
from parley_runtime.error_handlers import error_responses

from parley_auth.deps import CurrentAdmin
from parley_auth.grants.schemas import GrantCreate, GrantRead
from parley_auth.grants.service import grant_service
from parley_auth.users.schemas import Username

# 401 no credentials, 403 admin_required / session_required / csrf_rejected, 422, 503
# timeout; the POST also 400 (a body that is not UTF-8 cannot be parsed).
router = APIRouter(
    prefix="/admin/grants", tags=["admin"], responses=error_responses(401, 403, 422, 503)
)


@router.post("", status_code=201, responses=error_responses(400, 404))
async def create_grant(body: GrantCreate, me: CurrentAdmin, session: SessionDep) -> GrantRead:
    return await grant_service.grant(session, body, granted_by=me.user_id)


@router.get("")
async def list_grants(
    me: CurrentAdmin, session: SessionDep, username: Username | None = None
) -> list[GrantRead]:
    return await grant_service.list_for(session, username)


@router.delete("/{grant_id}", status_code=204, responses=error_responses(404))
async def revoke_grant(grant_id: uuid.UUID, me: CurrentAdmin, session: SessionDep) -> None:
    await grant_service.revoke(session, grant_id)
