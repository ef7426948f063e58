"""The engine's pool: connections kept across bursts, closed ones replaced without a ping.

A private embedded server: the shared test server cannot be restarted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from parley_devstack.embedded_db import EmbeddedDatabase
from parley_schema.db import create_engine
from parley_schema.settings import ParleyBaseSettings
from parley_testing.postgres import private_server
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

POOL_SIZE = 2


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedDatabase]:
    with private_server(tmp_path / "pg", embedding_dim=None) as server:
        yield server


def engine_on(server: EmbeddedDatabase) -> AsyncEngine:
    settings = ParleyBaseSettings(database_url=server.url("parley"), db_pool_size=POOL_SIZE)
    assert not settings.db_pool_pre_ping
    return create_engine(settings)


async def burst(engine: AsyncEngine, size: int) -> set[int]:
    """``size`` statements at once, each holding its connection a moment; their backends."""

    async def one() -> int:
        async with engine.connect() as connection:
            pid = await connection.scalar(text("SELECT pg_backend_pid()"))
            await connection.execute(text("SELECT pg_sleep(0.05)"))
            return int(pid)

    return set(await asyncio.gather(*(one() for _ in range(size))))


async def test_connections_opened_for_a_burst_stay_open_for_the_next(
    server: EmbeddedDatabase,
) -> None:
    engine = engine_on(server)
    try:
        first = await burst(engine, 2 * POOL_SIZE)
        second = await burst(engine, 2 * POOL_SIZE)
    finally:
        await engine.dispose()
    assert len(first) == 2 * POOL_SIZE  # twice the pool size at once
    assert second == first  # nothing closed after the first burst, nothing opened again


async def test_connections_the_server_closed_are_replaced_at_checkout(
    server: EmbeddedDatabase,
) -> None:
    engine = engine_on(server)
    try:
        before = await burst(engine, 2 * POOL_SIZE)  # the pool holds that many now
        await asyncio.to_thread(server.stop)
        await asyncio.to_thread(server.start)
        await asyncio.sleep(0.2)  # the event loop reads the closed sockets
        after = await burst(engine, 2 * POOL_SIZE)
    finally:
        await engine.dispose()
    assert len(after) == 2 * POOL_SIZE
    assert not after & before


async def test_server_settings_apply_to_every_connection(server: EmbeddedDatabase) -> None:
    settings = ParleyBaseSettings(database_url=server.url("parley"), db_pool_size=POOL_SIZE)
    engine = create_engine(
        settings, application_name="pool-test", server_settings={"lock_timeout": "1234ms"}
    )
    try:
        async with engine.connect() as connection:
            shown = await connection.execute(
                text("SELECT current_setting('lock_timeout'), current_setting('application_name')")
            )
            assert tuple(shown.one()) == ("1234ms", "pool-test")
    finally:
        await engine.dispose()
