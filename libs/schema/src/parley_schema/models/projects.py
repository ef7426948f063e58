"""Projects, their members, and the Chatwoot sources each project may search."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base, created_at_column


class ProjectRole(StrEnum):
    OWNER = "owner"  # manages the project; reads private notes (a token only with ``private``)
    MEMBER = "member"


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()")
    )
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()


class ProjectMember(Base):
    __tablename__ = "project_members"
    __table_args__ = (
        CheckConstraint(
            "role IN ({})".format(", ".join(f"'{r}'" for r in ProjectRole)), name="role"
        ),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()


class ProjectSource(Base):
    """A Chatwoot account (optionally one inbox of it) whose conversations a project may search."""

    __tablename__ = "project_sources"
    __table_args__ = (
        Index(
            "uq_project_sources_project_account_inbox",
            "project_id",
            "account_id",
            "inbox_id",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()")
    )
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(BigInteger)
    inbox_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_at_column()


class SourceGrant(Base):
    """An administrator's permission for a user to attach a Chatwoot account (``inbox_id``
    NULL: every inbox of it) or one inbox to projects the user owns."""

    __tablename__ = "source_grants"
    __table_args__ = (
        Index(
            "uq_source_grants_user_account_inbox",
            "user_id",
            "account_id",
            "inbox_id",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_users.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(BigInteger)
    inbox_id: Mapped[int | None] = mapped_column(BigInteger)
    granted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()
