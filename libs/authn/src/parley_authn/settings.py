"""Session settings, read by every service that accepts a session cookie (auth, search-api).

Defined once so that a value one service accepts cannot stop the other.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from parley_schema.settings import ParleyBaseSettings
from pydantic import Field

from parley_authn.resolve import TOUCH_INTERVAL

# ``last_seen_at`` is refreshed at most once per TOUCH_INTERVAL, so a shorter idle timeout
# would end sessions that are in use.
SessionSeconds = Annotated[int, Field(ge=int(TOUCH_INTERVAL.total_seconds()))]


class SessionSettings(ParleyBaseSettings):
    session_idle_ttl_s: SessionSeconds = 12 * 60 * 60
    session_absolute_ttl_s: SessionSeconds = 7 * 24 * 60 * 60

    @property
    def session_idle_ttl(self) -> timedelta:
        return timedelta(seconds=self.session_idle_ttl_s)

    @property
    def session_absolute_ttl(self) -> timedelta:
        return timedelta(seconds=self.session_absolute_ttl_s)
