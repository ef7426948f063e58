from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

# At most about 100 years: a longer window is "forever", which is ``null``.
RetentionDays = Annotated[int, Field(ge=1, le=36_500)]


class RetentionSet(BaseModel):
    """``days``: messages of the account older than this are deleted; ``null`` keeps them
    forever, whatever ``PARLEY_RETENTION_DAYS`` says."""

    days: RetentionDays | None


class RetentionRead(BaseModel):
    account_id: int
    days: int | None  # None: kept forever
    updated_by: uuid.UUID | None  # the administrator; None when set with the CLI
    updated_at: datetime
