"""Programmatic Alembic: upgrade, downgrade and inspect the schema of one database.

A new database registers the configured model (``PARLEY_EMBEDDING_MODEL``, of
``PARLEY_EMBEDDING_DIM``) as the model search uses (migration 0015); :func:`upgrade` refuses
to continue when the database holds that model with another dimension, instead of failing
later on insert.

A migration that rewrites a table names it in ``VACUUM_AFTER``; :func:`upgrade` vacuums it
once the migrations are in (outside their transaction, where VACUUM can run). A rewritten
table has no page marked all-visible, so until a VACUUM every index-only scan of it reads
the table too, and autovacuum does not count a rewrite as the writes that would start it.
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
from parley_schema.settings import ParleyBaseSettings, load_settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(
    database_url: str, *, embedding_dim: int, embedding_model: str | None = None
) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["embedding_dim"] = embedding_dim
    if embedding_model is not None:
        config.attributes["embedding_model"] = embedding_model
    return config


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def upgrade(
    database_url: str,
    *,
    embedding_dim: int,
    revision: str = "head",
    embedding_model: str | None = None,
) -> list[str]:
    """Upgrade to ``revision``; return the revisions this call applied (empty: nothing to do).

    ``embedding_model`` (default ``PARLEY_EMBEDDING_MODEL``) is the model a new database
    starts with. Runs its own event loop, so call it from sync code (or a worker thread).
    """
    model = embedding_model or load_settings(ParleyBaseSettings).embedding_model
    config = alembic_config(database_url, embedding_dim=embedding_dim, embedding_model=model)
    command.upgrade(config, revision)
    applied: list[str] = [rev for rev in config.attributes.get("applied", []) if rev]
    rewritten = _rewritten_tables(applied)
    if rewritten:
        asyncio.run(_vacuum(database_url, rewritten))
    stored_dim = asyncio.run(_embedding_dimension(database_url, model))
    if stored_dim is not None and stored_dim != embedding_dim:
        raise ConfigurationError(
            f"the database holds {model} as vector({stored_dim}) but PARLEY_EMBEDDING_DIM is "
            f"{embedding_dim}; set PARLEY_EMBEDDING_DIM={stored_dim}, or add a model of "
            "another dimension with `parley embeddings add-model` (README, 'Embedding models')"
        )
    return applied


def _rewritten_tables(revisions: list[str]) -> list[str]:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return sorted(
        {
            table
            for revision in revisions
            for table in getattr(script.get_revision(revision).module, "VACUUM_AFTER", ())
        }
    )


async def _vacuum(database_url: str, tables: list[str]) -> None:
    engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for table in tables:
                await connection.execute(text(f"VACUUM (ANALYZE) {table}"))
    finally:
        await engine.dispose()


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


async def _embedding_dimension(database_url: str, model: str) -> int | None:
    """The dimension the database holds ``model`` with (None: not there, or before 0015)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            if await connection.scalar(text("SELECT to_regclass('embedding_models')")) is None:
                return None
            dimension = await connection.scalar(
                text("SELECT dimension FROM embedding_models WHERE name = :name"),
                {"name": model},
            )
    finally:
        await engine.dispose()
    return int(dimension) if dimension is not None else None
