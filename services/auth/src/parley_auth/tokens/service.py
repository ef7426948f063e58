"""API tokens: any project member makes their own; owners see and revoke all of the project's.

The token is returned once at creation; the database keeps its SHA-256 and a short prefix.
Revocation sets ``revoked_at``, which the shared resolver checks on every request. A token
has no scopes unless asked; ``private`` (read private notes) only for a project owner, and
it works only while its user stays an owner (``parley_authn``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import structlog
from parley_authn import Principal, hash_secret, new_api_token, shown_prefix
from parley_authn.errors import PrivateNotPermitted
from parley_schema.models import ApiToken, ProjectRole, TokenScope
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.projects.errors import ProjectNotFound
from parley_auth.projects.repository import project_repository
from parley_auth.projects.service import project_service
from parley_auth.tokens.errors import TokenNotFound
from parley_auth.tokens.repository import token_repository
from parley_auth.tokens.schemas import TokenCreate, TokenCreated, TokenRead
from parley_auth.users.repository import user_repository

log = structlog.get_logger(__name__)


def _read(token: ApiToken) -> TokenRead:
    return TokenRead.model_validate(token, from_attributes=True)


class TokenService:
    async def create(
        self,
        session: AsyncSession,
        me: Principal,
        project_id: uuid.UUID,
        body: TokenCreate,
        *,
        now: datetime,
    ) -> TokenCreated:
        role = await project_service.require_role(session, me, project_id)
        return await self._issue(session, me.user_id, role, project_id, body, now=now)

    async def create_for_member(
        self,
        session: AsyncSession,
        username: str,
        project_id: uuid.UUID,
        body: TokenCreate,
        *,
        now: datetime,
    ) -> TokenCreated:
        """A token for a member named by username (``parley auth token create``)."""
        member = await user_repository.get_by_username(session, username)
        role = None
        if member is not None:
            role = await project_repository.role_of(session, project_id, member.id)
        if member is None or role is None:
            raise ProjectNotFound(f"{username!r} is not a member of project {project_id}")
        return await self._issue(session, member.id, ProjectRole(role), project_id, body, now=now)

    async def _issue(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        role: ProjectRole,
        project_id: uuid.UUID,
        body: TokenCreate,
        *,
        now: datetime,
    ) -> TokenCreated:
        scopes = sorted({str(scope) for scope in body.scopes})
        if TokenScope.PRIVATE in scopes and role is not ProjectRole.OWNER:
            raise PrivateNotPermitted(
                "only a project owner may create a token that reads private notes",
                field="scopes",
            )
        secret = new_api_token()
        expires_at = now + timedelta(days=body.expires_in_days) if body.expires_in_days else None
        token = await token_repository.add(
            session,
            ApiToken(
                project_id=project_id,
                user_id=user_id,
                name=body.name,
                prefix=shown_prefix(secret),
                token_hash=hash_secret(secret),
                created_at=now,
                expires_at=expires_at,
                scopes=scopes,
            ),
        )
        log.info(
            "api_token_created", token_id=str(token.id), project_id=str(project_id), scopes=scopes
        )
        return TokenCreated(**_read(token).model_dump(), token=secret)

    async def list_for(
        self, session: AsyncSession, me: Principal, project_id: uuid.UUID
    ) -> list[TokenRead]:
        role = await project_service.require_role(session, me, project_id)
        only = None if role is ProjectRole.OWNER else me.user_id
        return [_read(t) for t in await token_repository.list_for(session, project_id, only)]

    async def revoke(
        self,
        session: AsyncSession,
        me: Principal,
        project_id: uuid.UUID,
        token_id: uuid.UUID,
        *,
        now: datetime,
    ) -> None:
        role = await project_service.require_role(session, me, project_id)
        token = await token_repository.get(session, project_id, token_id)
        if token is None or (role is not ProjectRole.OWNER and token.user_id != me.user_id):
            raise TokenNotFound("no such token in this project")
        await token_repository.revoke(session, token_id, now)
        log.info("api_token_revoked", token_id=str(token_id), project_id=str(project_id))


token_service = TokenService()
