"""Errors of the feedback domain."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class FeedbackTargetNotFound(ParleyError):
    """Unknown, or outside the caller's project (or a private note the caller may not read):
    the cases answer alike."""

    code = "feedback_target_not_found"
    status = 404
