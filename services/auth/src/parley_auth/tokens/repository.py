"""SQL for ``api_tokens``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from parley_schema.models import ApiToken
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession


class TokenRepository:
    async def add(self, session: AsyncSession, token: ApiToken) -> ApiToken:
        """Insert ``token``, flushed so that its id is set."""
        session.add(token)
        await session.flush()
        return token

    async def list_for(
        self, session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID | None
    ) -> Sequence[ApiToken]:
        """The project's tokens; only ``user_id``'s when given."""
        query = select(ApiToken).where(ApiToken.project_id == project_id)
        if user_id is not None:
            query = query.where(ApiToken.user_id == user_id)
        result = await session.scalars(query.order_by(ApiToken.created_at, ApiToken.id))
        return result.all()

    async def get(
        self, session: AsyncSession, project_id: uuid.UUID, token_id: uuid.UUID
    ) -> ApiToken | None:
        return await session.scalar(
            select(ApiToken).where(ApiToken.project_id == project_id, ApiToken.id == token_id)
        )

    async def revoke(self, session: AsyncSession, token_id: uuid.UUID, now: datetime) -> None:
        await session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )


token_repository = TokenRepository()
