"""Errors of the answers domain."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class NothingToAnswer(ParleyError):
    """The conversation has no public customer message to build a question from."""

    code = "nothing_to_answer"
    status = 422
