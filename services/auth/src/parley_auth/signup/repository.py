"""SQL for ``signup_requests``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from parley_schema.models import SignupRequest
from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class NewSignup:
    username: str
    password_hash: str
    pin_hash: str
    pin_salt: str
    expires_at: datetime


class SignupRepository:
    async def add_if_room(
        self, session: AsyncSession, new: NewSignup, *, now: datetime, pending_limit: int
    ) -> uuid.UUID | None:
        """Insert the request while fewer than ``pending_limit`` are pending (unused and
        unexpired); its id, or None when there is no room.

        One statement: the count and the insert see the same snapshot. Requests being
        inserted by other transactions at the same moment are not counted, so parallel
        signups may pass the limit by as many as are in flight (each is rate-limited).
        """
        pending = (
            select(func.count())
            .select_from(SignupRequest)
            .where(SignupRequest.expires_at > now, SignupRequest.used_at.is_(None))
            .scalar_subquery()
        )
        values = select(
            literal(new.username),
            literal(new.password_hash),
            literal(new.pin_hash),
            literal(new.pin_salt),
            literal(new.expires_at, SignupRequest.expires_at.type),
        ).where(pending < pending_limit)
        request_id: uuid.UUID | None = await session.scalar(
            insert(SignupRequest)
            .from_select(
                ["username", "password_hash", "pin_hash", "pin_salt", "expires_at"], values
            )
            .returning(SignupRequest.id)
        )
        return request_id

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

    async def delete_expired(self, session: AsyncSession, now: datetime) -> int:
        """Delete requests past their lifetime, confirmed or not; the number deleted."""
        result = await session.execute(delete(SignupRequest).where(SignupRequest.expires_at < now))
        return int(result.rowcount)  # type: ignore[attr-defined]


signup_repository = SignupRepository()
