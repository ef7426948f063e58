"""Field types several domains share."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

# Printable text for names (Postgres text cannot hold NUL; control characters are refused).
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
