"""The one backoff policy and the one ``Retry-After`` parser every Parley retry loop uses.

``Backoff.delay`` is exponential with full jitter (replicas retrying the same outage spread
out instead of hammering in step), capped, and takes a server's ``Retry-After`` as a floor.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# RFC 9110 says whole seconds; OpenAI-compatible servers also send decimals ("0.2").
_DELTA_SECONDS = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Backoff:
    base_s: float = 0.5
    max_s: float = 30.0

    def delay(self, attempt: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait after failed ``attempt`` (1-based).

        A server's Retry-After is a floor (capped at ``max_s``); otherwise a uniformly random
        delay up to ``base_s * 2**(attempt-1)``, at most ``max_s``.
        """
        if retry_after_s is not None:
            return min(self.max_s, retry_after_s) + random.uniform(0, self.base_s)
        return random.uniform(0, min(self.max_s, self.base_s * 2 ** (attempt - 1)))


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta seconds, decimals too, or an HTTP date).

    ``None`` when the header is missing or unreadable; a date in the past is 0.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    if _DELTA_SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
