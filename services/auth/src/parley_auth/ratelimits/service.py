"""Rate limits per username and per client address, shared by replicas through Postgres.

Each hit is written in its own short transaction and committed at once: the request's own
transaction is rolled back when the attempt fails (wrong password, wrong PIN), and a failed
attempt must still count. That is why the limiter keeps a session factory instead of taking
the request's session. Windows are fixed (``floor(now / window)``), so a client gets at most
twice the limit across a window boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_auth.ratelimits.errors import RateLimited
from parley_auth.ratelimits.repository import rate_limit_repository

log = structlog.get_logger(__name__)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Limit:
    action: str  # "login", "signup", "confirm"
    per_user: int
    per_address: int


class RateLimitService:
    def __init__(
        self, *, session_factory: async_sessionmaker[AsyncSession], window: timedelta
    ) -> None:
        self._session_factory = session_factory
        self._window = window

    async def hit(self, limit: Limit, *, username: str, address: str, now: datetime) -> None:
        """Count the attempt for the user and the address; raise when either is over."""
        window_start = _EPOCH + ((now - _EPOCH) // self._window) * self._window
        async with self._session_factory() as session, session.begin():
            user_hits = await rate_limit_repository.hit(
                session, f"{limit.action}:user:{username}", window_start
            )
            address_hits = await rate_limit_repository.hit(
                session, f"{limit.action}:addr:{address}", window_start
            )
        if user_hits > limit.per_user or address_hits > limit.per_address:
            log.warning(
                "rate_limited",
                action=limit.action,
                by="user" if user_hits > limit.per_user else "address",
            )
            retry_after = int((window_start + self._window - now).total_seconds()) + 1
            raise RateLimited(f"too many attempts; try again in {retry_after} seconds")
