"""Prometheus metrics of the auth service (served on ``/metrics`` with the HTTP ones)."""

from __future__ import annotations

from prometheus_client import Counter

# Labels: login_address, login_user_address, signup_address, signup_user, confirm_address,
# confirm_user (per-window rate limits), pin_failures (the global wrong-PIN cap) and
# pending_signups (the cap on open signup requests).
REFUSALS = Counter(
    "parley_auth_refusals_total",
    "Requests refused with 429 by a rate limit or a global cap, by limit.",
    ["limit"],
)
