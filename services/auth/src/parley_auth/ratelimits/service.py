"""Rate limits and shared failure budgets, enforced by every replica through Postgres.

Rate limits (:class:`Limit`) count attempts per fixed window (``floor(now / window)``, so a
client gets at most twice the limit across a window boundary) in two buckets: the client's
address (an IPv6 address by its /64), then a key (a username, or a username at an address).
The key's bucket is counted only while the address is under its limit, so one address
writes at most ``per_address`` key rows a window however many usernames it makes up, and
housekeeping deletes them once their window has passed.

A budget (:class:`Budget`) is one counter every request shares, for failures that must be
bounded globally (wrong PINs): a slot is reserved *before* the expensive check, in one
atomic upsert, so parallel requests cannot evaluate more than the budget; a check that
turns out not to be a failure gives its slot back.

Each hit is written in its own short transaction and committed at once: the request's own
transaction is rolled back when the attempt fails (wrong password, wrong PIN), and a failed
attempt must still count. That is why the limiter keeps a session factory instead of taking
the request's session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from parley_schema.errors import ParleyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_auth.metrics import REFUSALS
from parley_auth.ratelimits.errors import RateLimited
from parley_auth.ratelimits.repository import rate_limit_repository

log = structlog.get_logger(__name__)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def window_start(now: datetime, window: timedelta) -> datetime:
    return _EPOCH + ((now - _EPOCH) // window) * window


def seconds_left(start: datetime, window: timedelta, now: datetime) -> int:
    return int((start + window - now).total_seconds()) + 1


@dataclass(frozen=True)
class Limit:
    action: str  # "login", "signup", "confirm"
    per_address: int
    key_kind: str  # what the key is: "user" or "user_address"
    per_key: int


@dataclass(frozen=True)
class Budget:
    """At most ``limit`` failures per window, every request together; past it ``error``."""

    name: str
    failures: str  # what fails, for the message: "wrong PINs"
    limit: int
    window: timedelta
    error: type[ParleyError]


@dataclass(frozen=True)
class Slot:
    """A reserved place in a budget's window, to give back if the attempt did not fail."""

    budget: Budget
    window_start: datetime


class RateLimitService:
    def __init__(
        self, *, session_factory: async_sessionmaker[AsyncSession], window: timedelta
    ) -> None:
        self._session_factory = session_factory
        self._window = window

    async def hit(self, limit: Limit, *, key: str, address: str, now: datetime) -> None:
        """Count the attempt for the address, then for the key; raise when either is over."""
        start = window_start(now, self._window)
        over: str | None = None
        async with self._session_factory() as session, session.begin():
            address_hits = await rate_limit_repository.hit(
                session, f"{limit.action}:address:{address}", start
            )
            if address_hits > limit.per_address:
                over = "address"
            else:
                key_hits = await rate_limit_repository.hit(
                    session, f"{limit.action}:{limit.key_kind}:{key}", start
                )
                if key_hits > limit.per_key:
                    over = limit.key_kind
        if over is not None:
            REFUSALS.labels(f"{limit.action}_{over}").inc()
            log.warning("rate_limited", action=limit.action, by=over)
            retry_after = seconds_left(start, self._window, now)
            raise RateLimited(f"too many attempts; try again in {retry_after} seconds")

    async def reserve(self, budget: Budget, *, now: datetime) -> Slot:
        """A slot in the budget's current window, or ``budget.error`` when it is spent.

        Refused reservations count too (the counter only grows past the limit), so the first
        refusal of a window is the one that sees ``limit + 1``: it alone logs the warning.
        """
        start = window_start(now, budget.window)
        async with self._session_factory() as session, session.begin():
            hits = await rate_limit_repository.hit(session, f"budget:{budget.name}", start)
        if hits > budget.limit:
            REFUSALS.labels(budget.name).inc()
            retry_after = seconds_left(start, budget.window, now)
            if hits == budget.limit + 1:
                log.warning(
                    "failure_budget_spent",
                    budget=budget.name,
                    limit=budget.limit,
                    window_s=int(budget.window.total_seconds()),
                    resumes_in_s=retry_after,
                )
            raise budget.error(
                f"too many {budget.failures} from all clients; try again in {retry_after} seconds"
            )
        return Slot(budget=budget, window_start=start)

    async def give_back(self, slot: Slot) -> None:
        """Return a slot whose attempt did not fail (a no-op once its window has passed)."""
        async with self._session_factory() as session, session.begin():
            await rate_limit_repository.unhit(
                session, f"budget:{slot.budget.name}", slot.window_start
            )
