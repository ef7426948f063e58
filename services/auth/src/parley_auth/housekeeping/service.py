"""The ``auth-housekeeping`` job: delete what can no longer be used.

Run by ``parley_schema.jobs.run_periodically`` every ``PARLEY_HOUSEKEEPING_INTERVAL_S``
(one replica at a time; every run in ``job_runs`` with the counts in ``meta``):
- sessions past their absolute expiry, or idle longer than the idle TTL (the resolver
  refuses them already);
- signup requests past their lifetime, confirmed or not;
- rate-limit counters and budgets whose window has passed (a counter whose window started
  before ``now`` minus the longest window; a newer hit would reset it anyway).
"""

from __future__ import annotations

from datetime import datetime

from parley_schema.jobs import JobResult
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.ratelimits.repository import rate_limit_repository
from parley_auth.sessions.repository import session_repository
from parley_auth.settings import AuthSettings
from parley_auth.signup.repository import signup_repository

JOB_NAME = "auth-housekeeping"


class HousekeepingService:
    def __init__(self, *, settings: AuthSettings) -> None:
        self._idle_ttl = settings.session_idle_ttl
        self._longest_window = max(settings.rate_limit_window, settings.signup_pin_failure_window)

    async def purge(self, session: AsyncSession, *, now: datetime) -> JobResult:
        counts = {
            "sessions": await session_repository.delete_expired(
                session, now=now, idle_since=now - self._idle_ttl
            ),
            "signup_requests": await signup_repository.delete_expired(session, now),
            "rate_limit_counters": await rate_limit_repository.delete_before(
                session, now - self._longest_window
            ),
        }
        return JobResult(processed=sum(counts.values()), meta=counts)
