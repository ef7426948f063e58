"""Field types several domains share."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

# Printable text for names (Postgres text cannot hold NUL; control characters are refused).
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
# Chatwoot ids are positive and fit Postgres bigint.
ChatwootId = Annotated[int, Field(ge=1, le=2**63 - 1)]
