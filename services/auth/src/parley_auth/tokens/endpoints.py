"""``/v1/auth/projects/{project_id}/tokens``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from parley_runtime.database import SessionDep
from parley_runtime.error_handlers import error_responses

from parley_auth.deps import CurrentUser, NowDep
from parley_auth.tokens.schemas import TokenCreate, TokenCreated, TokenRead
from parley_auth.tokens.service import token_service

# Every route: 401 no credentials, 403 session_required / csrf_rejected (and
# private_not_permitted), 404 project_not_found / token_not_found, 422, 503 timeout; the
# POST also 400 (a body that is not UTF-8 cannot be parsed).
router = APIRouter(
    prefix="/projects/{project_id}/tokens",
    tags=["tokens"],
    responses=error_responses(401, 403, 404, 422, 503),
)


@router.post("", status_code=201, responses=error_responses(400))
async def create_token(
    project_id: uuid.UUID, body: TokenCreate, me: CurrentUser, session: SessionDep, now: NowDep
) -> TokenCreated:
    return await token_service.create(session, me, project_id, body, now=now)


@router.get("")
async def list_tokens(
    project_id: uuid.UUID, me: CurrentUser, session: SessionDep
) -> list[TokenRead]:
    return await token_service.list_for(session, me, project_id)


@router.delete("/{token_id}", status_code=204)
async def revoke_token(
    project_id: uuid.UUID, token_id: uuid.UUID, me: CurrentUser, session: SessionDep, now: NowDep
) -> None:
    await token_service.revoke(session, me, project_id, token_id, now=now)
