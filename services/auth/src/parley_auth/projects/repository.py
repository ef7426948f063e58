"""SQL for ``projects``, ``project_members`` and ``project_sources``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from parley_schema.models import AppUser, Project, ProjectMember, ProjectRole, ProjectSource
from sqlalchemy import Row, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class ProjectRepository:
    async def create(self, session: AsyncSession, *, name: str, owner_id: uuid.UUID) -> Project:
        project = Project(name=name)
        session.add(project)
        await session.flush()
        session.add(ProjectMember(project_id=project.id, user_id=owner_id, role=ProjectRole.OWNER))
        await session.flush()
        await session.refresh(project)
        return project

    async def list_for(
        self, session: AsyncSession, user_id: uuid.UUID
    ) -> Sequence[Row[Project, str]]:
        result = await session.execute(
            select(Project, ProjectMember.role)
            .join(ProjectMember, ProjectMember.project_id == Project.id)
            .where(ProjectMember.user_id == user_id)
            .order_by(Project.created_at, Project.id)
        )
        return result.all()

    async def get_for(
        self, session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
    ) -> Row[Project, str] | None:
        result = await session.execute(
            select(Project, ProjectMember.role)
            .join(ProjectMember, ProjectMember.project_id == Project.id)
            .where(Project.id == project_id, ProjectMember.user_id == user_id)
        )
        return result.one_or_none()

    async def role_of(
        self, session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
    ) -> str | None:
        return await session.scalar(
            select(ProjectMember.role).where(
                ProjectMember.project_id == project_id, ProjectMember.user_id == user_id
            )
        )

    async def rename(self, session: AsyncSession, project_id: uuid.UUID, name: str) -> None:
        await session.execute(update(Project).where(Project.id == project_id).values(name=name))

    async def delete(self, session: AsyncSession, project_id: uuid.UUID) -> None:
        await session.execute(delete(Project).where(Project.id == project_id))

    async def members(
        self, session: AsyncSession, project_id: uuid.UUID
    ) -> Sequence[Row[uuid.UUID, str, str]]:
        result = await session.execute(
            select(ProjectMember.user_id, AppUser.username, ProjectMember.role)
            .join(AppUser, AppUser.id == ProjectMember.user_id)
            .where(ProjectMember.project_id == project_id)
            .order_by(AppUser.username)
        )
        return result.all()

    async def add_member(
        self, session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, role: str
    ) -> bool:
        """False when the user is a member already."""
        added = await session.scalar(
            insert(ProjectMember)
            .values(project_id=project_id, user_id=user_id, role=role)
            .on_conflict_do_nothing()
            .returning(ProjectMember.user_id)
        )
        return added is not None

    async def set_role(
        self, session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, role: str
    ) -> None:
        await session.execute(
            update(ProjectMember)
            .where(ProjectMember.project_id == project_id, ProjectMember.user_id == user_id)
            .values(role=role)
        )

    async def remove_member(
        self, session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        await session.execute(
            delete(ProjectMember).where(
                ProjectMember.project_id == project_id, ProjectMember.user_id == user_id
            )
        )

    async def lock_owners(self, session: AsyncSession, project_id: uuid.UUID) -> int:
        """The number of owners, with their rows locked until commit (no race to zero)."""
        owners = await session.scalars(
            select(ProjectMember.user_id)
            .where(ProjectMember.project_id == project_id, ProjectMember.role == ProjectRole.OWNER)
            .with_for_update()
        )
        return len(owners.all())

    async def sources(
        self, session: AsyncSession, project_id: uuid.UUID
    ) -> Sequence[ProjectSource]:
        result = await session.scalars(
            select(ProjectSource)
            .where(ProjectSource.project_id == project_id)
            .order_by(ProjectSource.account_id, ProjectSource.inbox_id.nulls_first())
        )
        return result.all()

    async def add_sources(
        self,
        session: AsyncSession,
        project_id: uuid.UUID,
        account_id: int,
        inbox_ids: Sequence[int | None],
    ) -> None:
        await session.execute(
            insert(ProjectSource)
            .values(
                [
                    {"project_id": project_id, "account_id": account_id, "inbox_id": inbox_id}
                    for inbox_id in inbox_ids
                ]
            )
            .on_conflict_do_nothing()
        )

    async def remove_source(
        self, session: AsyncSession, project_id: uuid.UUID, source_id: uuid.UUID
    ) -> bool:
        removed = await session.scalar(
            delete(ProjectSource)
            .where(ProjectSource.project_id == project_id, ProjectSource.id == source_id)
            .returning(ProjectSource.id)
        )
        return removed is not None


project_repository = ProjectRepository()
