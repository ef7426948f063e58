"""``DELETE /v1/contacts/{global_id}``: an administrator erases a contact (a data subject)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from parley_runtime.database import SessionDep
from parley_runtime.error_handlers import error_responses
from parley_schema.ids import CONTACT_GLOBAL_ID_PATTERN

from parley_ingest.deps import CurrentAdmin, ErasureServiceDep
from parley_ingest.erasure.schemas import ErasureRead

router = APIRouter(prefix="/v1/contacts", tags=["erasure"])

ContactIdPath = Annotated[
    str,
    Path(pattern=CONTACT_GLOBAL_ID_PATTERN, description="`cwc:<account id>:<contact id>`"),
]


# 401 no credentials, 403 admin_required / csrf_rejected, 404 contact_not_found, 422 a
# malformed id, 503 the database took too long.
@router.delete("/{global_id}", responses=error_responses(401, 403, 404, 422, 503))
async def erase_contact(
    global_id: ContactIdPath, me: CurrentAdmin, session: SessionDep, erasure: ErasureServiceDep
) -> ErasureRead:
    return await erasure.erase_contact(session, global_id, erased_by=f"user:{me.user_id}")
