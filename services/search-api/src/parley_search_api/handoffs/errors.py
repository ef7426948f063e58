"""Errors of the handoffs domain."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class HandoffNotFound(ParleyError):
    """Unknown, or of a conversation outside the caller's project: the two answer alike."""

    code = "handoff_not_found"
    status = 404


class HandoffTransitionRefused(ParleyError):
    """The status cannot move there from where it is (``pending → routed → resolved``)."""

    code = "handoff_transition_refused"
    status = 409
