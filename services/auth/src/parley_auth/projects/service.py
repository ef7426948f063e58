"""Projects and their members and sources, with the owner/member rules.

Non-members get ``project_not_found`` for every project call, so ids cannot be probed.
Members may read; only owners may rename, delete, manage members and sources. A project
always keeps at least one owner. Attaching a source also needs an administrator or a grant
covering it (``grants.service``), checked before anything is written: all or nothing.
"""

from __future__ import annotations

import uuid

import structlog
from parley_authn import Principal
from parley_schema.models import Project, ProjectRole
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.grants.service import grant_service
from parley_auth.projects.errors import (
    AlreadyMember,
    LastOwner,
    MemberNotFound,
    NotProjectOwner,
    ProjectNotFound,
    SourceNotFound,
    UserNotFound,
)
from parley_auth.projects.repository import project_repository
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
from parley_auth.users.repository import user_repository

log = structlog.get_logger(__name__)


def _project_read(project: Project, role: str) -> ProjectRead:
    return ProjectRead(
        id=project.id, name=project.name, role=ProjectRole(role), created_at=project.created_at
    )


class ProjectService:
    async def create(
        self, session: AsyncSession, me: Principal, body: ProjectCreate
    ) -> ProjectRead:
        project = await project_repository.create(session, name=body.name, owner_id=me.user_id)
        log.info("project_created", project_id=str(project.id), user_id=str(me.user_id))
        return _project_read(project, ProjectRole.OWNER)

    async def list_mine(self, session: AsyncSession, me: Principal) -> list[ProjectRead]:
        rows = await project_repository.list_for(session, me.user_id)
        return [_project_read(project, role) for project, role in rows]

    async def get(self, session: AsyncSession, me: Principal, project_id: uuid.UUID) -> ProjectRead:
        row = await project_repository.get_for(session, project_id, me.user_id)
        if row is None:
            raise ProjectNotFound("no such project")
        project, role = row
        return _project_read(project, role)

    async def require_role(
        self, session: AsyncSession, me: Principal, project_id: uuid.UUID
    ) -> ProjectRole:
        """The caller's role in the project; ``project_not_found`` for non-members."""
        role = await project_repository.role_of(session, project_id, me.user_id)
        if role is None:
            raise ProjectNotFound("no such project")
        return ProjectRole(role)

    async def require_owner(
        self, session: AsyncSession, me: Principal, project_id: uuid.UUID
    ) -> None:
        if await self.require_role(session, me, project_id) is not ProjectRole.OWNER:
            raise NotProjectOwner("only a project owner may do this")

    async def rename(
        self, session: AsyncSession, me: Principal, project_id: uuid.UUID, body: ProjectUpdate
    ) -> ProjectRead:
        await self.require_owner(session, me, project_id)
        await project_repository.rename(session, project_id, body.name)
        return await self.get(session, me, project_id)

    async def delete(self, session: AsyncSession, me: Principal, project_id: uuid.UUID) -> None:
        await self.require_owner(session, me, project_id)
        await project_repository.delete(session, project_id)
        log.info("project_deleted", project_id=str(project_id), user_id=str(me.user_id))

    async def members(
        self, session: AsyncSession, me: Principal, project_id: uuid.UUID
    ) -> list[MemberRead]:
        await self.require_role(session, me, project_id)
        rows = await project_repository.members(session, project_id)
        return [
            MemberRead(user_id=user_id, username=username, role=ProjectRole(role))
            for user_id, username, role in rows
        ]

    async def add_member(
        self, session: AsyncSession, me: Principal, project_id: uuid.UUID, body: MemberCreate
    ) -> MemberRead:
        await self.require_owner(session, me, project_id)
        user = await user_repository.get_by_username(session, body.username)
        if user is None:
            raise UserNotFound("no such user", field="username")
        if not await project_repository.add_member(session, project_id, user.id, body.role):
            raise AlreadyMember("this user is a member already", field="username")
        log.info("member_added", project_id=str(project_id), user_id=str(user.id))
        return MemberRead(user_id=user.id, username=user.username, role=body.role)

    async def update_member(
        self,
        session: AsyncSession,
        me: Principal,
        project_id: uuid.UUID,
        user_id: uuid.UUID,
        body: MemberUpdate,
    ) -> MemberRead:
        await self.require_owner(session, me, project_id)
        member = await self._member(session, project_id, user_id)
        if member.role is ProjectRole.OWNER and body.role is not ProjectRole.OWNER:
            await self._keep_an_owner(session, project_id)
        await project_repository.set_role(session, project_id, user_id, body.role)
        return MemberRead(user_id=user_id, username=member.username, role=body.role)

    async def remove_member(
        self, session: AsyncSession, me: Principal, project_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        """Owners remove anyone; a member may remove only themselves (leave)."""
        role = await self.require_role(session, me, project_id)
        if user_id != me.user_id and role is not ProjectRole.OWNER:
            raise NotProjectOwner("only a project owner may remove other members")
        member = await self._member(session, project_id, user_id)
        if member.role is ProjectRole.OWNER:
            await self._keep_an_owner(session, project_id)
        await project_repository.remove_member(session, project_id, user_id)
        log.info("member_removed", project_id=str(project_id), user_id=str(user_id))

    async def sources(
        self, session: AsyncSession, me: Principal, project_id: uuid.UUID
    ) -> list[SourceRead]:
        await self.require_role(session, me, project_id)
        rows = await project_repository.sources(session, project_id)
        return [SourceRead(id=s.id, account_id=s.account_id, inbox_id=s.inbox_id) for s in rows]

    async def add_source(
        self, session: AsyncSession, me: Principal, project_id: uuid.UUID, body: SourceCreate
    ) -> list[SourceRead]:
        """Adds the account (or those of its inboxes); existing sources stay as they are."""
        await self.require_owner(session, me, project_id)
        inbox_ids: list[int | None] = list(dict.fromkeys(body.inbox_ids)) or [None]
        await grant_service.require_permitted(session, me, body.account_id, inbox_ids)
        await project_repository.add_sources(session, project_id, body.account_id, inbox_ids)
        return await self.sources(session, me, project_id)

    async def remove_source(
        self, session: AsyncSession, me: Principal, project_id: uuid.UUID, source_id: uuid.UUID
    ) -> None:
        await self.require_owner(session, me, project_id)
        if not await project_repository.remove_source(session, project_id, source_id):
            raise SourceNotFound("no such source in this project")

    async def _member(
        self, session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
    ) -> MemberRead:
        for member_id, username, role in await project_repository.members(session, project_id):
            if member_id == user_id:
                return MemberRead(user_id=member_id, username=username, role=ProjectRole(role))
        raise MemberNotFound("no such member in this project")

    async def _keep_an_owner(self, session: AsyncSession, project_id: uuid.UUID) -> None:
        if await project_repository.lock_owners(session, project_id) <= 1:
            raise LastOwner("a project needs at least one owner")


project_service = ProjectService()
