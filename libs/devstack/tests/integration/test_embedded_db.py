from __future__ import annotations

import shutil
import stat
import tempfile
from pathlib import Path

import asyncpg
import pytest
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase, EmbeddedDatabaseError
from parley_testing.postgres import free_port, run_async


async def _roundtrip(server: EmbeddedDatabase, sql: str) -> object:
    connection = await asyncpg.connect(server.url("parley", driver="postgresql"))
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


def test_start_is_idempotent_and_data_survives_a_restart(tmp_path: Path) -> None:
    server = EmbeddedDatabase(tmp_path, free_port(), options=EPHEMERAL_OPTIONS)
    try:
        assert server.start() is True
        assert server.start() is False
        assert run_async(lambda: server.ensure_database("parley")) is True
        assert run_async(lambda: server.ensure_database("parley")) is False
        run_async(lambda: _roundtrip(server, "CREATE TABLE kept AS SELECT 42 AS answer"))
        assert server.stop() is True
        assert server.status().running is False
        assert server.stop() is False
        assert server.start() is True
        assert run_async(lambda: _roundtrip(server, "SELECT answer FROM kept")) == 42
    finally:
        server.stop()


def test_ships_pgvector_and_the_text_search_extensions(tmp_path: Path) -> None:
    server = EmbeddedDatabase(tmp_path, free_port(), options=EPHEMERAL_OPTIONS)
    try:
        server.start()
        run_async(lambda: server.ensure_database("parley"))
        available = run_async(
            lambda: _roundtrip(
                server,
                "SELECT count(*) FROM pg_available_extensions "
                "WHERE name IN ('vector', 'pg_trgm', 'unaccent')",
            )
        )
        assert available == 3
    finally:
        server.stop()


def test_stop_works_after_a_parent_directory_was_made_private() -> None:
    root = Path(tempfile.mkdtemp(prefix="parley-private-parent-"))
    server = EmbeddedDatabase(root / "deep" / "pg", free_port(), options=EPHEMERAL_OPTIONS)
    try:
        server.start()
        root.chmod(0o700)  # what pytest does to its temporary root when a worker starts
        assert server.stop()
        assert not server.status().running
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _without_password(server: EmbeddedDatabase) -> str:
    return f"postgresql://postgres@127.0.0.1:{server.port}/postgres"


def _with_password(server: EmbeddedDatabase, password: str) -> str:
    return f"postgresql://postgres:{password}@127.0.0.1:{server.port}/postgres"


async def _connects(url: str) -> bool:
    try:
        connection = await asyncpg.connect(url)
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError):
        return False
    await connection.close()
    return True


def test_connections_need_the_password_kept_private_beside_the_data(tmp_path: Path) -> None:
    server = EmbeddedDatabase(tmp_path, free_port(), options=EPHEMERAL_OPTIONS)
    try:
        server.start()
        password = server.password()
        assert len(password) >= 32
        assert stat.S_IMODE(server.password_file.stat().st_mode) == 0o600
        assert server.password_file.parent == tmp_path
        assert run_async(lambda: _connects(server.url(driver="postgresql"))) is True
        assert run_async(lambda: _connects(_without_password(server))) is False
        assert run_async(lambda: _connects(_with_password(server, "guessed"))) is False
        assert not server.trusts_connections()
        assert server.stop() is True
        assert server.start() is True
        assert server.password() == password
        assert run_async(lambda: _connects(server.url(driver="postgresql"))) is True
        server_log = (server.pgdata / "server.log").read_text()
        assert password not in server_log
        assert not list(tmp_path.glob(".initdb-*")), "initdb's password file is left behind"
    finally:
        server.stop()


TRUST_HBA = """\
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    all             all             ::1/128                 trust
"""


def test_a_data_directory_that_trusted_connections_requires_the_password_after_a_start(
    tmp_path: Path,
) -> None:
    server = EmbeddedDatabase(tmp_path, free_port(), options=EPHEMERAL_OPTIONS)
    try:
        server.start()
        run_async(lambda: server.ensure_database("parley"))
        run_async(lambda: _roundtrip(server, "CREATE TABLE kept AS SELECT 42 AS answer"))
        server.stop()
        # What `initdb --auth=trust` (Parley before passwords) left: no password file.
        (server.pgdata / "pg_hba.conf").write_text(TRUST_HBA)
        server.password_file.unlink()
        assert server.trusts_connections()

        assert server.start() is True
        assert not server.trusts_connections()
        assert stat.S_IMODE(server.password_file.stat().st_mode) == 0o600
        assert run_async(lambda: _connects(_without_password(server))) is False
        assert run_async(lambda: _roundtrip(server, "SELECT answer FROM kept")) == 42
    finally:
        server.stop()


def test_a_password_that_is_not_the_servers_is_refused_with_the_fix(tmp_path: Path) -> None:
    server = EmbeddedDatabase(tmp_path, free_port(), options=EPHEMERAL_OPTIONS)
    try:
        server.start()
        server.password_file.write_text("not-the-servers\n")
        with pytest.raises(EmbeddedDatabaseError, match=str(server.password_file)):
            server.ensure_database_sync("parley")
    finally:
        server.stop()
