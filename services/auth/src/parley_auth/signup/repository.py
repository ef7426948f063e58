"""SQL for ``signup_requests``."""

from __future__ import annotations

import uuid
from datetime import datetime

from parley_schema.models import SignupRequest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession


class SignupRepository:
    async def add(self, session: AsyncSession, request: SignupRequest) -> SignupRequest:
        """Insert ``request``, flushed so that its id is set."""
        session.add(request)
        await session.flush()
        return request

    async def get(self, session: AsyncSession, request_id: uuid.UUID) -> SignupRequest | None:
        return await session.scalar(
            select(SignupRequest)
            .where(SignupRequest.id == request_id)
            .execution_options(populate_existing=True)
        )

    async def claim_attempt(
        self, session: AsyncSession, request_id: uuid.UUID, *, now: datetime, max_attempts: int
    ) -> int | None:
        """Count one attempt if the request is still live; the count, or None if it is not."""
        count: int | None = await session.scalar(
            update(SignupRequest)
            .where(
                SignupRequest.id == request_id,
                SignupRequest.used_at.is_(None),
                SignupRequest.expires_at > now,
                SignupRequest.attempt_count < max_attempts,
            )
            .values(attempt_count=SignupRequest.attempt_count + 1)
            .returning(SignupRequest.attempt_count)
        )
        return count

    async def mark_used(self, session: AsyncSession, request_id: uuid.UUID, now: datetime) -> bool:
        used = await session.scalar(
            update(SignupRequest)
            .where(SignupRequest.id == request_id, SignupRequest.used_at.is_(None))
            .values(used_at=now)
            .returning(SignupRequest.id)
        )
        return used is not None


signup_repository = SignupRepository()
