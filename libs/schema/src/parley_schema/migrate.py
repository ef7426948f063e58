"""Programmatic Alembic: upgrade, downgrade and inspect the schema of one database.

The embedding column's dimension is chosen when the first migration runs
(``PARLEY_EMBEDDING_DIM``); :func:`upgrade` refuses to continue when a database built for
another dimension meets a differently configured model, instead of failing later on insert.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from parley_schema.errors import ConfigurationError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str, *, embedding_dim: int) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["embedding_dim"] = embedding_dim
    return config


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def upgrade(database_url: str, *, embedding_dim: int, revision: str = "head") -> list[str]:
    """Upgrade to ``revision``; return the revisions this call applied (empty: nothing to do).

    Runs its own event loop, so call it from sync code (or a worker thread).
    """
    config = alembic_config(database_url, embedding_dim=embedding_dim)
    command.upgrade(config, revision)
    applied: list[str] = [rev for rev in config.attributes.get("applied", []) if rev]
    stored_dim = asyncio.run(_embedding_dimension(database_url))
    if stored_dim is not None and stored_dim != embedding_dim:
        raise ConfigurationError(
            f"rag_chunks.embedding is vector({stored_dim}) but PARLEY_EMBEDDING_DIM is "
            f"{embedding_dim}; set PARLEY_EMBEDDING_DIM={stored_dim} or follow "
            "'Changing the embedding model' in README.md"
        )
    return applied


def downgrade(database_url: str, *, embedding_dim: int, revision: str) -> None:
    command.downgrade(alembic_config(database_url, embedding_dim=embedding_dim), revision)


async def current_revision(database_url: str) -> str | None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_revision)
    finally:
        await engine.dispose()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def _embedding_dimension(database_url: str) -> int | None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            typmod = await connection.scalar(
                text(
                    "SELECT atttypmod FROM pg_attribute "
                    "WHERE attrelid = to_regclass('rag_chunks') AND attname = 'embedding'"
                )
            )
    finally:
        await engine.dispose()
    return int(typmod) if typmod is not None and typmod > 0 else None
