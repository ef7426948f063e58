"""``/v1/auth/projects``: projects, members and sources."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from parley_runtime.database import SessionDep
from parley_runtime.error_handlers import error_responses

from parley_auth.deps import CurrentUser
from parley_auth.projects.schemas import (
    MemberCreate,
    MemberRead,
    MemberUpdate,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    SourceCreate,
    SourceRead,
)
from parley_auth.projects.service import project_service

# Every route: 401 no credentials, 403 session_required / csrf_rejected (and
# not_project_owner on owner routes), 422 invalid input, 503 a statement timed out; a route
# with a body also 400 (a body that is not UTF-8 cannot be parsed).
router = APIRouter(
    prefix="/projects", tags=["projects"], responses=error_responses(401, 403, 422, 503)
)


@router.post("", status_code=201, responses=error_responses(400))
async def create_project(body: ProjectCreate, me: CurrentUser, session: SessionDep) -> ProjectRead:
    return await project_service.create(session, me, body)


@router.get("")
async def list_projects(me: CurrentUser, session: SessionDep) -> list[ProjectRead]:
    return await project_service.list_mine(session, me)


@router.get("/{project_id}", responses=error_responses(404))
async def get_project(project_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> ProjectRead:
    return await project_service.get(session, me, project_id)


@router.patch("/{project_id}", responses=error_responses(400, 404))
async def rename_project(
    project_id: uuid.UUID, body: ProjectUpdate, me: CurrentUser, session: SessionDep
) -> ProjectRead:
    return await project_service.rename(session, me, project_id, body)


@router.delete("/{project_id}", status_code=204, responses=error_responses(404))
async def delete_project(project_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> None:
    await project_service.delete(session, me, project_id)


@router.get("/{project_id}/members", responses=error_responses(404))
async def list_members(
    project_id: uuid.UUID, me: CurrentUser, session: SessionDep
) -> list[MemberRead]:
    return await project_service.members(session, me, project_id)


@router.post("/{project_id}/members", status_code=201, responses=error_responses(400, 404, 409))
async def add_member(
    project_id: uuid.UUID, body: MemberCreate, me: CurrentUser, session: SessionDep
) -> MemberRead:
    return await project_service.add_member(session, me, project_id, body)


@router.patch("/{project_id}/members/{user_id}", responses=error_responses(400, 404, 409))
async def update_member(
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    body: MemberUpdate,
    me: CurrentUser,
    session: SessionDep,
) -> MemberRead:
    return await project_service.update_member(session, me, project_id, user_id, body)


@router.delete(
    "/{project_id}/members/{user_id}", status_code=204, responses=error_responses(404, 409)
)
async def remove_member(
    project_id: uuid.UUID, user_id: uuid.UUID, me: CurrentUser, session: SessionDep
) -> None:
    await project_service.remove_member(session, me, project_id, user_id)


@router.get("/{project_id}/sources", responses=error_responses(404))
async def list_sources(
    project_id: uuid.UUID, me: CurrentUser, session: SessionDep
) -> list[SourceRead]:
    return await project_service.sources(session, me, project_id)


@router.post("/{project_id}/sources", status_code=201, responses=error_responses(400, 404))
async def add_source(
    project_id: uuid.UUID, body: SourceCreate, me: CurrentUser, session: SessionDep
) -> list[SourceRead]:
    return await project_service.add_source(session, me, project_id, body)


@router.delete("/{project_id}/sources/{source_id}", status_code=204, responses=error_responses(404))
async def remove_source(
    project_id: uuid.UUID, source_id: uuid.UUID, me: CurrentUser, session: SessionDep
) -> None:
    await project_service.remove_source(session, me, project_id, source_id)
