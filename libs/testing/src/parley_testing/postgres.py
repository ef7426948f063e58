"""Databases for tests: one embedded server per worker, one migrated template, clones."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import asyncpg
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_devstack.machine import free_port as free_port  # tests import it from here
from parley_schema import migrate

T = TypeVar("T")
TEMPLATE_DATABASE = "parley_template"
TEST_EMBEDDING_DIM = 384


def run_async(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from sync code, even while another loop is running."""

    async def runner() -> T:
        return await factory()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, runner()).result()


@contextmanager
def private_server(
    directory: Path,
    *,
    options: Mapping[str, str] | None = EPHEMERAL_OPTIONS,
    embedding_dim: int | None = TEST_EMBEDDING_DIM,
) -> Iterator[EmbeddedDatabase]:
    """A server of the test's own, which it may stop and restart (the shared one it may not),
    with database ``parley``, migrated for vectors of ``embedding_dim`` (None: empty)."""
    server = EmbeddedDatabase(directory, free_port(), options=options)
    server.start()
    try:
        server.ensure_database_sync("parley")
        if embedding_dim is not None:
            migrate.upgrade(server.url("parley"), embedding_dim=embedding_dim)
        yield server
    finally:
        server.stop()


def create_template(server: EmbeddedDatabase) -> str:
    """Create and migrate the template every test database is cloned from."""
    return create_migrated(server, TEMPLATE_DATABASE, embedding_dim=TEST_EMBEDDING_DIM)


def create_migrated(
    server: EmbeddedDatabase, name: str, *, embedding_dim: int, embedding_model: str | None = None
) -> str:
    """Create database ``name`` and migrate it for ``embedding_model`` (default
    ``PARLEY_EMBEDDING_MODEL``) with vectors of ``embedding_dim``; its URL."""
    run_async(lambda: server.ensure_database(name))
    url = server.url(name)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(
            migrate.upgrade, url, embedding_dim=embedding_dim, embedding_model=embedding_model
        ).result()
    return url


async def clone_template(server: EmbeddedDatabase) -> str:
    name = f"test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(server.url(driver="postgresql"))
    try:
        await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DATABASE}"')
    finally:
        await connection.close()
    return name


async def drop_database(server: EmbeddedDatabase, name: str) -> None:
    connection = await asyncpg.connect(server.url(driver="postgresql"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
