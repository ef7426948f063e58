"""Fixtures every Parley test suite shares.

- ``pg_server``: an embedded PostgreSQL 18 + pgvector per test worker (fast, non-durable).
- ``template_database_url``: migrated once per worker; ``database_url`` clones it per module.
- ``db_engine`` / ``db_session``: a session whose outer transaction is rolled back after each
  test, so tests never see each other's rows.
- ``amqp_url`` / ``unique_name``: the real RabbitMQ (a vhost per worker) and names no other
  test uses.
- ``private_rabbitmq``: a RabbitMQ node of the test's own that it may stop and start.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_devstack.rabbitmq_node import RabbitMQNode, RabbitMQNodeError
from parley_schema.settings import ParleyBaseSettings
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from parley_testing.broker import drop_vhost, private_vhost, require_broker
from parley_testing.postgres import (
    clone_template,
    create_template,
    drop_database,
    free_port,
    run_async,
)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedDatabase]:
    server = EmbeddedDatabase(
        Path(tmp_path_factory.mktemp("pg")), free_port(), options=EPHEMERAL_OPTIONS
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def template_database_url(pg_server: EmbeddedDatabase) -> str:
    return create_template(pg_server)


@pytest.fixture(scope="module")
def database_url(pg_server: EmbeddedDatabase, template_database_url: str) -> Iterator[str]:
    """A fresh migrated database for this test module (a clone of the template)."""
    name = run_async(lambda: clone_template(pg_server))
    yield pg_server.url(name)
    run_async(lambda: drop_database(pg_server, name))


@pytest.fixture(scope="module")
def settings_env(database_url: str, amqp_url: str) -> dict[str, str]:
    """Environment for a Parley process pointed at this module's database and the broker."""
    return {"PARLEY_DATABASE_URL": database_url, "PARLEY_AMQP_URL": amqp_url}


@pytest.fixture(scope="module")
def base_settings(database_url: str, amqp_url: str) -> ParleyBaseSettings:
    return ParleyBaseSettings(database_url=database_url, amqp_url=amqp_url)


@pytest.fixture(scope="module")
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(db_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test.

    Code under test may commit: with ``create_savepoint`` its commits end savepoints, and
    the outer transaction still undoes everything.
    """
    async with db_engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
        )
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()


def _vhost_url() -> Iterator[str]:
    base_url = str(ParleyBaseSettings().amqp_url)
    require_broker(base_url)
    vhost, url = private_vhost(base_url)
    yield url
    drop_vhost(vhost)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """The real RabbitMQ, in a virtual host of this test worker's own (deleted afterwards)."""
    yield from _vhost_url()


@pytest.fixture(scope="module")
def module_amqp_url() -> Iterator[str]:
    """The real RabbitMQ, in a virtual host of this test module's own: the real queue names
    with no other module's messages or consumers (deleted afterwards)."""
    yield from _vhost_url()


@pytest.fixture
def unique_name() -> str:
    """A name (queue, exchange, account) that no other test, worker or run uses."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def private_rabbitmq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabbitMQNode]:
    """A started private RabbitMQ node; stopped, killed if need be, and removed afterwards."""
    base_dir = tmp_path_factory.mktemp("rabbit")
    node = RabbitMQNode(base_dir)
    try:
        node.start()
    except RabbitMQNodeError as error:
        node.kill()
        pytest.fail(str(error), pytrace=False)
    try:
        yield node
    finally:
        node.stop()
        node.kill()
        shutil.rmtree(base_dir, ignore_errors=True)
