"""``/v1/auth/admin/accounts/{account_id}/retention``: an account's own retention window."""

from __future__ import annotations

from fastapi import APIRouter
from parley_runtime.database import SessionDep
from parley_runtime.error_handlers import error_responses
from parley_schema.ids import ChatwootId

from parley_auth.deps import CurrentAdmin
from parley_auth.retention.schemas import RetentionRead, RetentionSet
from parley_auth.retention.service import retention_service

# 401 no credentials, 403 admin_required / session_required / csrf_rejected, 404
# retention_not_set, 422 a bad account id or body, 503 timeout.
router = APIRouter(
    prefix="/admin/accounts/{account_id}/retention",
    tags=["admin"],
    responses=error_responses(401, 403, 422, 503),
)


@router.put("", responses=error_responses(400))
async def set_retention(
    account_id: ChatwootId, body: RetentionSet, me: CurrentAdmin, session: SessionDep
) -> RetentionRead:
    return await retention_service.set(session, account_id, body, updated_by=me.user_id)


@router.get("", responses=error_responses(404))
async def get_retention(
    account_id: ChatwootId, me: CurrentAdmin, session: SessionDep
) -> RetentionRead:
    return await retention_service.get(session, account_id)


@router.delete("", status_code=204, responses=error_responses(404))
async def clear_retention(account_id: ChatwootId, me: CurrentAdmin, session: SessionDep) -> None:
    await retention_service.clear(session, account_id)
