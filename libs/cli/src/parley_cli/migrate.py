"""``parley migrate``: upgrade the database to the newest schema (safe to repeat)."""

from __future__ import annotations

import time

from parley_schema import migrate as schema_migrate
from parley_schema.errors import ConfigurationError
from sqlalchemy.exc import DBAPIError, OperationalError

from parley_cli.console import console, fail, redact_url
from parley_cli.context import get_settings


def migrate() -> None:
    """Upgrade the database to the newest schema; a no-op when it is already there."""
    settings = get_settings()
    url = settings.database_url_str
    started_at = time.perf_counter()
    try:
        applied = schema_migrate.upgrade(
            url, embedding_dim=settings.embedding_dim, embedding_model=settings.embedding_model
        )
    except (OSError, OperationalError, DBAPIError) as error:
        raise fail(
            f"cannot reach the database at {redact_url(url)}: {type(error).__name__}",
            fix="run `parley db start`, or set PARLEY_DATABASE_URL to a running server",
        ) from None
    except ConfigurationError as error:
        raise fail(error.message, code=2) from None
    head = schema_migrate.head_revision()
    elapsed = time.perf_counter() - started_at
    if applied:
        console.print(f"schema upgraded to {head} ({', '.join(applied)}) in {elapsed:.2f}s")
    else:
        console.print(f"schema already at {head} ({elapsed:.2f}s)")
