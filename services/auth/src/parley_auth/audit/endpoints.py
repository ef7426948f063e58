"""``GET /v1/audit``: the API request trail, for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from parley_runtime.database import SessionDep
from parley_runtime.error_handlers import error_responses

from parley_auth.audit.schemas import AuditFilters, AuditPage
from parley_auth.audit.service import audit_service
from parley_auth.deps import CurrentAdmin

# 401 no credentials, 403 session_required / admin_required, 422 bad filters, 503 timeout.
router = APIRouter(
    prefix="/v1/audit", tags=["audit"], responses=error_responses(401, 403, 422, 503)
)


@router.get("")
async def list_audit_entries(
    filters: Annotated[AuditFilters, Query()], admin: CurrentAdmin, session: SessionDep
) -> AuditPage:
    return await audit_service.page(session, filters)
