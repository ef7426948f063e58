"""Settings of the audit trail, read by every service that records it (search-api, auth)."""

from __future__ import annotations

from typing import Annotated

from parley_schema.settings import ParleyBaseSettings
from pydantic import Field


class AuditSettings(ParleyBaseSettings):
    # Also record the query string and (search-api) the JSON body of each request: the search
    # text, which can quote customers. Off: only who, which endpoint, when, status, latency.
    audit_queries: bool = False
    # Rows older than this are deleted by the periodic purge (every PARLEY_HOUSEKEEPING_INTERVAL_S).
    audit_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
