"""Loads a synthetic corpus into rag_chunks with binary COPY, then builds the indexes."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from corpus import Corpus
from pgvector.asyncpg import register_vector

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
SEARCH_INDEXES = {
    "ix_rag_chunks_embedding_hnsw": "USING hnsw (embedding vector_cosine_ops)",
    "ix_rag_chunks_text_tsv": "USING gin (text_tsv)",
    "ix_rag_chunks_fts_simple": "USING gin (to_tsvector('simple'::regconfig, parley_unaccent(text)))",
    "ix_rag_chunks_text_trgm": "USING gin (parley_unaccent(text) gin_trgm_ops)",
}
COLUMNS = [
    "id",
    "conversation_global_id",
    "message_global_id",
    "chunk_index",
    "text",
    "embedding",
    "embedding_status",
    "embedding_model",
    "account_id",
    "inbox_id",
    "private",
    "message_type",
    "sender_type",
    "message_created_at",
]


async def load(dsn: str, corpus: Corpus, *, maintenance_work_mem: str) -> dict[str, float]:
    """Returns seconds per step: copy, then each index build."""
    timings: dict[str, float] = {}
    connection = await asyncpg.connect(dsn)
    try:
        await register_vector(connection)
        for name in SEARCH_INDEXES:
            await connection.execute(f"DROP INDEX IF EXISTS {name}")
        start = datetime(2024, 1, 1, tzinfo=UTC)
        records = (
            (
                uuid.uuid4(),
                f"cw:{corpus.account_ids[n]}:{n // 4}",
                f"cwmsg:{corpus.account_ids[n]}:{n}",
                0,
                corpus.texts[n],
                corpus.vectors[n],
                "ready",
                MODEL,
                int(corpus.account_ids[n]),
                int(corpus.inbox_ids[n]),
                False,
                "incoming" if n % 2 else "outgoing",
                "contact" if n % 2 else "user",
                start + timedelta(minutes=n),
            )
            for n in range(len(corpus.texts))
        )
        began = time.perf_counter()
        await connection.copy_records_to_table("rag_chunks", records=records, columns=COLUMNS)
        timings["copy"] = time.perf_counter() - began
        # The HNSW build is fast only while the graph fits in maintenance_work_mem (1M x 384-d
        # needs ~4 GB); past that pgvector builds on disk, many times slower.
        await connection.execute(f"SET maintenance_work_mem = '{maintenance_work_mem}'")
        for name, definition in SEARCH_INDEXES.items():
            began = time.perf_counter()
            await connection.execute(f"CREATE INDEX {name} ON rag_chunks {definition}")
            timings[name] = time.perf_counter() - began
        await connection.execute("VACUUM ANALYZE rag_chunks")
    finally:
        await connection.close()
    return timings


async def prewarm(dsn: str) -> float:
    """Reads the table and its indexes into shared_buffers (pg_prewarm); seconds.

    pgvector is fast only while the HNSW graph is in memory: a production server keeps it
    there (shared_buffers sized to hold it), so the latencies are measured that way too.
    """
    connection = await asyncpg.connect(dsn)
    try:
        began = time.perf_counter()
        await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        # The table, its TOAST table (most vectors live there: a row with a 384-d vector is
        # past the 2 kB TOAST threshold) and every index, filter btrees included.
        await connection.execute(
            "WITH tables AS (SELECT oid FROM pg_class WHERE relname = 'rag_chunks'"
            " UNION SELECT reltoastrelid FROM pg_class WHERE relname = 'rag_chunks')"
            " SELECT pg_prewarm(oid) FROM tables"
            " UNION ALL SELECT pg_prewarm(indexrelid) FROM pg_index"
            " WHERE indrelid IN (SELECT oid FROM tables)"
        )
        return time.perf_counter() - began
    finally:
        await connection.close()
