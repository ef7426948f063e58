"""Errors of the conversations domain."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class ConversationNotFound(ParleyError):
    """Unknown, or outside the caller's project: the two are indistinguishable on purpose."""

    code = "conversation_not_found"
    status = 404
