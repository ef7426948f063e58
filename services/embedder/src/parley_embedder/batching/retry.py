"""Exponential backoff with full jitter, honouring a server's Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_s: float = 0.5
    max_s: float = 30.0

    def delay(self, attempt: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait after failed ``attempt`` (1-based).

        A server's Retry-After is a floor (capped at ``max_s``); otherwise a uniformly random
        delay up to ``base_s * 2**(attempt-1)`` (full jitter, so replicas spread out).
        """
        if retry_after_s is not None:
            return min(self.max_s, retry_after_s) + random.uniform(0, self.base_s)
        return random.uniform(0, min(self.max_s, self.base_s * 2 ** (attempt - 1)))
