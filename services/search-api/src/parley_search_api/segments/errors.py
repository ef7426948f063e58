"""Errors of the segments domain."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class SegmentNotFound(ParleyError):
    """Unknown, or another project's: the two answer alike."""

    code = "segment_not_found"
    status = 404


class SegmentNameTaken(ParleyError):
    code = "segment_name_taken"
    status = 409
