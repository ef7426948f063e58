from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from parley_devstack.embedded_db import EmbeddedDatabase
from parley_schema import migrate
from parley_schema.errors import ConfigurationError
from parley_schema.models import Base
from parley_schema.vector_slots import VECTOR_INDEX_NAMES
from parley_testing.postgres import drop_database, run_async
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

SEED_TABLES = {
    "projects",
    "sessions",
    "cw_contacts",
    "cw_conversations",
    "cw_messages",
    "rag_chunks",
    "sync_watermarks",
    "job_runs",
    "app_users",
    "signup_requests",
    "app_settings",
}
DESIGN_TABLES = {
    "event_outbox",
    "webhook_deliveries",
    "project_sources",
    "project_members",
    "api_tokens",
}


@pytest.fixture
def empty_database_url(pg_server: EmbeddedDatabase, unique_name: str) -> Iterator[str]:
    name = unique_name.replace("-", "_")
    run_async(lambda: pg_server.ensure_database(name))
    yield pg_server.url(name)
    run_async(lambda: drop_database(pg_server, name))


async def _scalar(url: str, sql: str) -> object:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text(sql))
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


def _declared(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Everything but the models' vector indexes: data (``embedding_models``), not metadata."""
    return not (type_ == "index" and name in VECTOR_INDEX_NAMES)


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": _declared}
    )
    return list(compare_metadata(context, Base.metadata))


async def _autogenerate_diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_diff)
    finally:
        await engine.dispose()


def test_upgrade_creates_every_seed_and_design_table(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, embedding_dim=384)
    tables = asyncio.run(_tables(empty_database_url))
    assert tables >= SEED_TABLES | DESIGN_TABLES
    version = asyncio.run(
        _scalar(empty_database_url, "SELECT extversion FROM pg_extension WHERE extname = 'vector'")
    )
    assert tuple(int(p) for p in str(version).split(".")[:2]) >= (0, 8)


def test_upgrade_downgrade_upgrade_round_trips(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, embedding_dim=384)
    migrate.downgrade(empty_database_url, embedding_dim=384, revision="base")
    assert asyncio.run(_tables(empty_database_url)) == {"alembic_version"}
    assert asyncio.run(migrate.current_revision(empty_database_url)) is None
    migrate.upgrade(empty_database_url, embedding_dim=384)
    assert asyncio.run(migrate.current_revision(empty_database_url)) == migrate.head_revision()


def test_models_and_migrations_do_not_drift(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, embedding_dim=384)
    assert asyncio.run(_autogenerate_diff(empty_database_url)) == []


def test_a_new_database_registers_the_configured_model_and_its_dimension(
    empty_database_url: str,
) -> None:
    migrate.upgrade(
        empty_database_url, embedding_dim=1536, embedding_model="text-embedding-3-small"
    )
    registered = asyncio.run(
        _scalar(
            empty_database_url,
            "SELECT string_agg(name || ':' || slot || ':' || dimension || ':' || active, ',')"
            " FROM embedding_models",
        )
    )
    assert registered == "text-embedding-3-small:1:1536:true"
    index = asyncio.run(
        _scalar(
            empty_database_url,
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_rag_chunks_embedding_hnsw'",
        )
    )
    assert "(embedding)::vector(1536)" in str(index)
    assert "embedding_model = 'text-embedding-3-small'::text" in str(index)


def test_a_different_configured_dimension_is_refused_with_the_fix(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, embedding_dim=384)
    with pytest.raises(ConfigurationError, match=r"vector\(384\).*PARLEY_EMBEDDING_DIM is 1536"):
        migrate.upgrade(empty_database_url, embedding_dim=1536)


def test_two_processes_migrating_at_once_both_succeed(empty_database_url: str) -> None:
    script = (
        "import sys; from parley_schema import migrate; "
        "migrate.upgrade(sys.argv[1], embedding_dim=384)"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script, empty_database_url], stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else b"") for p in processes]
    assert [code for code, _ in results] == [0, 0], results
    assert asyncio.run(migrate.current_revision(empty_database_url)) == migrate.head_revision()


def test_the_earliest_existing_user_becomes_the_administrator(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, embedding_dim=384, revision="0007")

    async def add_users() -> None:
        engine = create_async_engine(empty_database_url)
        try:
            async with engine.begin() as connection:
                for name, created in (
                    ("second", datetime(2026, 2, 1, tzinfo=UTC)),
                    ("first", datetime(2026, 1, 1, tzinfo=UTC)),
                ):
                    await connection.execute(
                        text(
                            "INSERT INTO app_users (username, password_hash, created_at)"
                            " VALUES (:name, 'x', :created)"
                        ),
                        {"name": name, "created": created},
                    )
        finally:
            await engine.dispose()

    asyncio.run(add_users())
    migrate.upgrade(empty_database_url, embedding_dim=384)
    admins = asyncio.run(
        _scalar(
            empty_database_url,
            "SELECT string_agg(username, ',') FROM app_users WHERE is_admin",
        )
    )
    assert admins == "first"


async def _execute(url: str, *statements: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            results = [await connection.execute(text(sql)) for sql in statements]
            return [result.all() if result.returns_rows else None for result in results]
    finally:
        await engine.dispose()


def test_existing_vectors_become_their_models_slot_without_re_embedding(
    empty_database_url: str,
) -> None:
    migrate.upgrade(empty_database_url, embedding_dim=3, revision="0012")
    asyncio.run(
        _execute(
            empty_database_url,
            "INSERT INTO rag_chunks (text, embedding, embedding_status, embedding_model) VALUES"
            " ('a', '[1,0,0]', 'ready', 'old-model'), ('b', '[0,1,0]', 'ready', 'old-model'),"
            " ('c', NULL, 'pending', NULL)",
        )
    )

    migrate.upgrade(empty_database_url, embedding_dim=3, embedding_model="configured-model")

    registered, storage, vectors, _, plan = asyncio.run(
        _execute(
            empty_database_url,
            "SELECT name, slot, dimension, active FROM embedding_models",
            "SELECT string_agg(attname || ':' || attstorage::text, ',' ORDER BY attname)"
            " FROM pg_attribute WHERE attrelid = 'rag_chunks'::regclass"
            " AND attname IN ('embedding', 'embedding_2')",
            "SELECT text, embedding::text, embedding_model FROM rag_chunks ORDER BY text",
            "SET LOCAL enable_seqscan = off",
            "EXPLAIN SELECT text FROM rag_chunks"
            " WHERE embedding_model = 'old-model'"
            " ORDER BY embedding::vector(3) <=> '[1,0,0]' LIMIT 1",
        )
    )
    assert registered == [("old-model", 1, 3, True)]  # the vectors' model, not the setting
    assert storage == [("embedding:m,embedding_2:m",)]  # vectors stay in the row (0007)
    assert vectors == [
        ("a", "[1,0,0]", "old-model"),
        ("b", "[0,1,0]", "old-model"),
        ("c", None, None),
    ]
    assert "ix_rag_chunks_embedding_hnsw" in "\n".join(row[0] for row in plan)  # type: ignore[attr-defined]

    migrate.downgrade(empty_database_url, embedding_dim=3, revision="0012")
    column, vectors = asyncio.run(
        _execute(
            empty_database_url,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = 'rag_chunks'::regclass AND attname = 'embedding'",
            "SELECT text, embedding::text FROM rag_chunks WHERE embedding IS NOT NULL ORDER BY text",
        )
    )
    assert column == [("vector(3)",)]
    assert vectors == [("a", "[1,0,0]"), ("b", "[0,1,0]")]


# A chunk row past the 2 kB TOAST threshold: a 384-d vector and 60 words of hex (which do not
# compress), so its text vector is larger than its text. Its words start with "a" for the
# first row, "b" for the second.
WIDE_CHUNK = (
    "INSERT INTO rag_chunks (text, embedding, embedding_status, embedding_model)"
    " SELECT string_agg(chr(97 + (SELECT count(*)::int FROM rag_chunks)) || n"
    " || substr(md5(random()::text), 1, 10), ' '),"
    " array_fill(0.05, ARRAY[384])::real[]::vector, 'ready', 'model'"
    " FROM generate_series(10, 69) AS n"
)


def test_text_vectors_stay_in_the_row_and_get_more_lexeme_statistics(
    empty_database_url: str,
) -> None:
    migrate.upgrade(empty_database_url, embedding_dim=384, revision="0016")
    asyncio.run(_execute(empty_database_url, WIDE_CHUNK))

    # 0017 alone: 0018 rewrites the table, and every row with it
    migrate.upgrade(empty_database_url, embedding_dim=384, revision="0017")
    _, out_of_line, targets = asyncio.run(
        _execute(
            empty_database_url,
            WIDE_CHUNK,
            "SELECT pg_column_toast_chunk_id(text_tsv) IS NOT NULL FROM rag_chunks ORDER BY text",
            "SELECT attrelid::regclass::text, attstattarget FROM pg_attribute"
            " WHERE (attrelid, attnum) IN (('rag_chunks'::regclass, (SELECT attnum FROM"
            " pg_attribute WHERE attrelid = 'rag_chunks'::regclass AND attname = 'text_tsv')),"
            " ('ix_rag_chunks_fts_simple'::regclass, 1)) ORDER BY 1",
        )
    )
    # before 0017 the text vector went to TOAST; a row written after keeps it in the row
    assert out_of_line == [(True,), (False,)]
    assert targets == [("ix_rag_chunks_fts_simple", 300), ("rag_chunks", 300)]

    migrate.downgrade(empty_database_url, embedding_dim=384, revision="0016")
    storage = asyncio.run(
        _scalar(
            empty_database_url,
            "SELECT attstorage::text FROM pg_attribute"
            " WHERE attrelid = 'rag_chunks'::regclass AND attname = 'text_tsv'",
        )
    )
    assert storage == "x"


def test_every_vector_gets_its_sign_bits_and_an_inbox_is_ranked_from_the_scan_index(
    empty_database_url: str,
) -> None:
    model = "sentence-transformers/all-MiniLM-L6-v2"
    migrate.upgrade(empty_database_url, embedding_dim=3, revision="0017", embedding_model=model)
    insert = (
        "INSERT INTO rag_chunks (text, embedding, embedding_status, embedding_model,"
        " account_id, inbox_id) VALUES"
    )
    asyncio.run(
        _execute(empty_database_url, f"{insert} ('old', '[0.5,-1,2]', 'ready', '{model}', 1, 1)")
    )

    migrate.upgrade(empty_database_url, embedding_dim=3)
    _, bits, storage, _, _, plan = asyncio.run(
        _execute(
            empty_database_url,
            f"{insert} ('new', '[-1,0,3]', 'ready', '{model}', 1, 2), ('none', NULL, 'pending', NULL, 1, 2)",
            "SELECT text, embedding_bits::text, embedding_2_bits FROM rag_chunks ORDER BY text",
            "SELECT attname, attstorage::text FROM pg_attribute WHERE attrelid ="
            " 'rag_chunks'::regclass AND attname LIKE '%bits' ORDER BY 1",
            # three rows: the planner would rather read the table
            "SET LOCAL enable_seqscan = off",
            "SET LOCAL enable_bitmapscan = off",
            "EXPLAIN SELECT id FROM rag_chunks WHERE embedding_model ="
            " 'sentence-transformers/all-MiniLM-L6-v2'"
            " AND account_id = 1 AND inbox_id = 2 AND embedding_status = 'ready'"
            " ORDER BY embedding_bits <~> binary_quantize('[1,1,1]'::vector(3)) LIMIT 10",
        )
    )
    # binary_quantize: 1 where a component is above 0
    assert bits == [("new", "001", None), ("none", None, None), ("old", "101", None)]
    assert storage == [("embedding_2_bits", "p"), ("embedding_bits", "p")]  # never in TOAST
    # the table 0018 rewrote was vacuumed after: index-only scans need no heap visit
    vacuumed = asyncio.run(
        _scalar(
            empty_database_url,
            "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'rag_chunks'",
        )
    )
    assert vacuumed is True
    # every column the ranking reads is in the index: no chunk row is read
    assert "Index Only Scan using ix_rag_chunks_embedding_scan" in "\n".join(row[0] for row in plan)  # type: ignore[attr-defined]

    migrate.downgrade(empty_database_url, embedding_dim=3, revision="0017")
    left = asyncio.run(
        _scalar(
            empty_database_url,
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'rag_chunks'::regclass"
            " AND attname LIKE '%bits' AND NOT attisdropped",
        )
    )
    assert left == 0
