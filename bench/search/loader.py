"""Loads a synthetic corpus with binary COPY: the Chatwoot side (contacts, conversations,
messages) as ingest stores it, and rag_chunks as the embedder does; then builds the indexes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
from corpus import CHUNKS_PER_CONTACT, Corpus, contact_of, conversation_of
from parley_schema.models import CHUNK_FILTER_COLUMNS
from parley_schema.vector_slots import SlotModel
from pgvector.asyncpg import register_vector

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# Dropped before the COPY and built after it (faster than maintaining them row by row):
# the model's partial indexes on its slot, as the migrations make them (vector_slots), and
# the text indexes.
SEARCH_INDEXES = {
    **SlotModel(MODEL, 1, 384).indexes(),
    "ix_rag_chunks_text_tsv": "CREATE INDEX ix_rag_chunks_text_tsv ON rag_chunks"
    " USING gin (text_tsv)",
    "ix_rag_chunks_fts_simple": "CREATE INDEX ix_rag_chunks_fts_simple ON rag_chunks"
    " USING gin (to_tsvector('simple'::regconfig, parley_unaccent(text)))",
    "ix_rag_chunks_text_trgm": "CREATE INDEX ix_rag_chunks_text_trgm ON rag_chunks"
    " USING gin (parley_unaccent(text) gin_trgm_ops)",
}
START = datetime(2024, 1, 1, tzinfo=UTC)
STATUSES = ("open", "resolved", "pending")
CHUNK_COLUMNS = [
    *("id", "conversation_global_id", "message_global_id", "chunk_index", "text"),
    *("embedding", "embedding_status", "embedding_model", *CHUNK_FILTER_COLUMNS),
]


async def load(dsn: str, corpus: Corpus, *, maintenance_work_mem: str) -> dict[str, float]:
    """Returns seconds per step: copy, then each index build."""
    timings: dict[str, float] = {}
    connection = await asyncpg.connect(dsn)
    try:
        await register_vector(connection)
        for name in SEARCH_INDEXES:
            await connection.execute(f"DROP INDEX IF EXISTS {name}")
        began = time.perf_counter()
        for table, (columns, records) in _tables(corpus).items():
            await connection.copy_records_to_table(table, records=records, columns=columns)
        timings["copy"] = time.perf_counter() - began
        # The HNSW build is fast only while the graph fits in maintenance_work_mem (1M x 384-d
        # needs ~4 GB); past that pgvector builds on disk, many times slower.
        await connection.execute(f"SET maintenance_work_mem = '{maintenance_work_mem}'")
        for name, ddl in SEARCH_INDEXES.items():
            began = time.perf_counter()
            await connection.execute(ddl)
            timings[name] = time.perf_counter() - began
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return timings


def _tables(corpus: Corpus) -> dict[str, tuple[list[str], Iterator[tuple[object, ...]]]]:
    """Rows per table, in load order. Chunk n is message n of conversation n // 4, whose
    contact is conversation // 2; every id is scoped by the conversation's account."""
    count = len(corpus.texts)
    firsts = range(0, count, 4)  # each conversation's first chunk
    contacts = range(0, count, CHUNKS_PER_CONTACT)  # contact k's first chunk is contacts[k]

    def account(n: int) -> int:
        return int(corpus.account_ids[n])

    def contact_id(n: int) -> str:
        return f"cwc:{account(n)}:{contact_of(n)}"

    def conversation_id(n: int) -> str:
        return f"cw:{account(n)}:{conversation_of(n)}"

    def sender(n: int) -> str:
        return corpus.contact_names[contact_of(n)] if n % 2 else "Agent Smith"

    return {
        "cw_contacts": (
            [
                "id",
                "account_id",
                "contact_id",
                "name",
                "email",
                "phone_number",
                "identifier",
                "data",
            ],
            (
                (
                    contact_id(n),
                    account(n),
                    contact,
                    name := corpus.contact_names[contact],
                    name.lower().replace(" ", ".") + f"{contact}@example.com",
                    f"+1 555 {contact:07d}",
                    f"cust-{contact}",
                    "{}",
                )
                for contact, n in enumerate(contacts)
            ),
        ),
        "cw_conversations": (
            [
                "id",
                "account_id",
                "conversation_id",
                "contact_global_id",
                "inbox_id",
                "status",
                "data",
            ],
            (
                (
                    conversation_id(n),
                    account(n),
                    conversation_of(n),
                    contact_id(n),
                    int(corpus.inbox_ids[n]),
                    STATUSES[conversation_of(n) % 3],
                    json.dumps({"labels": ["billing"] if conversation_of(n) % 5 == 0 else []}),
                )
                for n in firsts
            ),
        ),
        "cw_messages": (
            [
                "id",
                "account_id",
                "message_id",
                "conversation_id",
                "conversation_global_id",
                "contact_global_id",
                "sender_type",
                "message_type",
                "content",
                "data",
                "created_at",
            ],
            (
                (
                    f"cwmsg:{account(n)}:{n}",
                    account(n),
                    n,
                    conversation_of(n),
                    conversation_id(n),
                    contact_id(n),
                    "Contact" if n % 2 else "User",
                    "incoming" if n % 2 else "outgoing",
                    corpus.texts[n],
                    json.dumps({"sender": {"name": sender(n)}}),
                    START + timedelta(minutes=n),
                )
                for n in range(count)
            ),
        ),
        "rag_chunks": (
            CHUNK_COLUMNS,
            (
                (
                    uuid.uuid4(),
                    conversation_id(n),
                    f"cwmsg:{account(n)}:{n}",
                    0,
                    corpus.texts[n],
                    corpus.vectors[n],
                    "ready",
                    MODEL,
                    account(n),
                    int(corpus.inbox_ids[n]),
                    False,
                    "incoming" if n % 2 else "outgoing",
                    "contact" if n % 2 else "user",
                    START + timedelta(minutes=n),
                )
                for n in range(count)
            ),
        ),
    }


async def prewarm(dsn: str) -> float:
    """Reads the tables and their indexes into shared_buffers (pg_prewarm); seconds.

    pgvector is fast only while the HNSW graph is in memory: a production server keeps it
    there (shared_buffers sized to hold it), so the latencies are measured that way too.
    """
    connection = await asyncpg.connect(dsn)
    try:
        began = time.perf_counter()
        await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        # The tables a search reads, their TOAST tables (long texts; vectors too, on a
        # database loaded before migration 0007) and every index of them.
        await connection.execute(
            "WITH tables AS (SELECT oid FROM pg_class WHERE relname = ANY($1)"
            " UNION SELECT reltoastrelid FROM pg_class WHERE relname = ANY($1))"
            " SELECT pg_prewarm(oid) FROM tables"
            " UNION ALL SELECT pg_prewarm(indexrelid) FROM pg_index"
            " WHERE indrelid IN (SELECT oid FROM tables)",
            ["rag_chunks", "cw_messages", "cw_conversations", "cw_contacts"],
        )
        return time.perf_counter() - began
    finally:
        await connection.close()
