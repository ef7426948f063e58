"""Count the SQL statements a block of code sends (for "one query per request" tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession


@contextmanager
def recorded_statements(session: AsyncSession) -> Iterator[list[str]]:
    """The SQL of every statement sent on ``session``'s engine inside the block, in order."""
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))  # (connection, cursor, statement, …)

    engine = session.bind.engine.sync_engine  # type: ignore[union-attr]
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
