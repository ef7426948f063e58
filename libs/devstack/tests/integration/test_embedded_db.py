from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import asyncpg
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
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
