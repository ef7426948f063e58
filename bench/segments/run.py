"""Segment listings at scale and filtered semantic recall, against an embedded Postgres.

    flock /tmp/parley-measure.lock nice -n 19 .venv/bin/python bench/segments/run.py
    .venv/bin/python bench/segments/run.py --contacts 100000 --chunks 20000   # a quick look

Part 1 (``--contacts``, default 1M contacts in one account, loaded with ``generate_series``):
p50/p99 of ``ContactService.search`` (the service's own SQL and hydration, a page of 25, no
HTTP) for a single-attribute segment of 1 % (``lead_status`` eq), a label segment of 1 %
(``hot-lead``), a rare one of 0.01 % (``lead_status`` eq ``placed``), a listing ordered by an attribute (``qualification_score``) and a ``gt`` on
a number stored as a string for half the contacts (``follower_count`` > 990000, ~1 %), in
three configurations measured in the same run on the same data, each in a transaction that
is rolled back: without migration 0011's indexes (the baseline), with them, and with them
plus expression indexes on the two hot keys (what README.md advises when a key is hot).
Each query's ``EXPLAIN (ANALYZE, BUFFERS)`` is printed per configuration.

Part 2 (``--chunks``, default 100k chunks, 384-d clustered vectors, 4 chunks a
conversation, 5 conversations a contact): recall@10 of ``SearchService.search`` in semantic
mode against exact top 10 (numpy over the same filter), with no filter, the inbox filter
(one inbox of 50, ~2 %) and a contact-attribute filter of the same selectivity
(``tier`` eq ``gold``, ~2 % of contacts) and a numeric one on a string-stored value.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_embeddings.local import LOCAL_DIMENSION, LOCAL_MODEL_NAME
from parley_embeddings.testing.precomputed import PrecomputedProvider
from parley_schema import migrate
from parley_schema.logging import configure
from parley_schema.models import CHUNK_FILTER_COLUMNS, Project, ProjectSource
from parley_search_api.access.scope import ProjectScope, Source
from parley_search_api.contacts.schemas import ContactSearchRequest
from parley_search_api.contacts.service import ContactService
from parley_search_api.search.active_model import ActiveModel
from parley_search_api.search.schemas import SearchRequest
from parley_search_api.search.service import SearchService
from parley_search_api.settings import SearchSettings
from parley_testing.postgres import free_port
from pgvector.asyncpg import register_vector
from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

DATABASE = "bench"
SEGMENT_INDEXES = (  # migration 0011's on cw_contacts
    "ix_cw_contacts_custom_attributes",
    "ix_cw_contacts_labels",
    "ix_cw_contacts_last_activity_at",
)
HOT_KEY_INDEXES = {
    "ix_bench_follower_count": (
        "cw_contacts (parley_jsonb_numeric(custom_attributes -> 'follower_count'))"
    ),
    "ix_bench_qualification_score": (
        "cw_contacts (parley_jsonb_numeric(custom_attributes -> 'qualification_score')"
        " DESC NULLS LAST)"
    ),
}
STATUSES = ["new", "contacted", "nurturing", "proposal", "lost"]  # 'placed': 0.01 %
LOAD_CONTACTS = f"""
INSERT INTO cw_contacts (id, account_id, contact_id, name, email, custom_attributes, labels,
                         last_activity_at, data)
SELECT 'cwc:1:' || i, 1, i, 'Contact ' || i, 'c' || i || '@example.test',
  jsonb_build_object(
    'lead_status', CASE WHEN i % 100 = 0 THEN 'qualified' WHEN i % 10000 = 5 THEN 'placed'
                   ELSE (ARRAY{STATUSES!r})[1 + i % 5] END,
    'lead_source', (ARRAY['instagram_dm', 'website_form', 'referral'])[1 + i % 3],
    'qualification_score', (i * 37) % 101,
    'follower_count', CASE WHEN i % 2 = 0 THEN to_jsonb(((i * 7919) % 1000000)::text)
                      ELSE to_jsonb((i * 7919) % 1000000) END,
    'budget_min', ((i * 13) % 50) * 1000
  ),
  CASE WHEN i % 100 = 1 THEN ARRAY['hot-lead', 'newsletter']
       WHEN i % 3 = 0 THEN ARRAY['newsletter'] ELSE ARRAY[]::text[] END,
  timestamptz '2026-01-01' + make_interval(secs => (i * 7) % 30000000),
  '{{}}'::jsonb
FROM generate_series(1::bigint, :count) AS i
"""  # noqa: S608 (the statuses are this file's constants)


def p(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


async def timed(call: Callable[[], Awaitable[object]], rounds: int) -> list[float]:
    await call()  # plan and cache once
    latencies = []
    for _ in range(rounds):
        began = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies


class StatementLog:
    """The last SQL statement an engine ran on cw_contacts, with its parameters."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.last: tuple[str, Any] | None = None
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM cw_contacts" in statement and not statement.startswith("EXPLAIN"):
            self.last = (statement, parameters)


async def make_scope(session: AsyncSession, account_id: int) -> ProjectScope:
    project_id = uuid.uuid4()
    await session.execute(insert(Project).values(id=project_id, name=f"bench-{project_id}"))
    await session.execute(
        insert(ProjectSource).values(project_id=project_id, account_id=account_id)
    )
    await session.commit()
    return ProjectScope(
        user_id=uuid.uuid4(), project_id=project_id, sources=(Source(account_id, None),)
    )


SEGMENTS: dict[str, dict[str, Any]] = {
    "attribute eq, 1 %": {
        "filters": {
            "contact_attributes": [{"key": "lead_status", "op": "eq", "value": "qualified"}]
        }
    },
    "attribute eq, 0.01 %": {
        "filters": {"contact_attributes": [{"key": "lead_status", "op": "eq", "value": "placed"}]}
    },
    "label, 1 %": {"filters": {"contact_labels": ["hot-lead"]}},
    "ordered by attribute": {"order_by": {"attribute": "qualification_score", "direction": "desc"}},
    "gt on string-stored number, ~1 %": {
        "filters": {"contact_attributes": [{"key": "follower_count", "op": "gt", "value": 990000}]}
    },
}


async def segments(engine: AsyncEngine, args: argparse.Namespace) -> None:
    async with AsyncSession(engine) as session:
        scope = await make_scope(session, 1)
    contacts = ContactService(settings=SearchSettings(database_url="postgresql://unused/x"))
    log = StatementLog(engine)
    results: dict[str, dict[str, list[float]]] = {}
    plans: dict[str, dict[str, str]] = {}
    for config in ("without 0011 indexes", "0011 indexes", "0011 + hot-key indexes"):
        async with AsyncSession(engine) as session:
            if config == "without 0011 indexes":
                for name in SEGMENT_INDEXES:
                    await session.execute(text(f"DROP INDEX {name}"))
            if config == "0011 + hot-key indexes":
                for name, definition in HOT_KEY_INDEXES.items():
                    await session.execute(text(f"CREATE INDEX {name} ON {definition}"))
                await session.execute(text("ANALYZE cw_contacts"))
            for label, body in SEGMENTS.items():
                request = ContactSearchRequest.model_validate(body)

                async def call(request: ContactSearchRequest = request) -> object:
                    return await contacts.search(session, scope, request)

                results.setdefault(label, {})[config] = await timed(call, args.rounds)
                response = await contacts.search(session, scope, request)
                assert response.contacts, label
                assert log.last is not None
                statement, parameters = log.last
                connection = await session.connection()
                explained = await connection.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters
                )
                plans.setdefault(label, {})[config] = "\n".join(row[0] for row in explained)
            await session.rollback()
    print(
        f"\npart 1: contact segments, {args.contacts} contacts, a page of 25, "
        f"{args.rounds} rounds, ms p50 / p99"
    )
    configs = list(next(iter(results.values())))
    print("| segment | " + " | ".join(configs) + " |")
    print("| --- |" + " --- |" * len(configs))
    for label, by_config in results.items():
        cells = [f"{p(v, 50):.1f} / {p(v, 99):.1f}" for v in by_config.values()]
        print(f"| {label} | " + " | ".join(cells) + " |")
    for label, plan_of in plans.items():
        for config, plan in plan_of.items():
            print(f"\n--- plan: {label} / {config}\n{plan}")


def clustered(rng: np.random.Generator, count: int, centres: np.ndarray) -> np.ndarray:
    topics = rng.integers(0, len(centres), count)
    points = centres[topics] + rng.normal(0, 0.08, (count, centres.shape[1]))
    normalised: np.ndarray = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(
        np.float32
    )
    return normalised


async def load_chunks(dsn: str, vectors: np.ndarray) -> None:
    """Chunk n: conversation n // 4 (inbox conversation % 50), contact conversation // 5."""
    count = len(vectors)
    conversations, contacts = (count + 3) // 4, (count + 19) // 20
    connection = await asyncpg.connect(dsn)
    try:
        await register_vector(connection)
        await connection.execute("DROP INDEX IF EXISTS ix_rag_chunks_embedding_hnsw")
        await connection.copy_records_to_table(
            "cw_contacts",
            columns=["id", "account_id", "contact_id", "custom_attributes", "data"],
            records=(
                (
                    f"cwc:2:{k}",
                    2,
                    k,
                    f'{{"tier": "{"gold" if k % 50 == 0 else "basic"}", "score": "{(k * 31) % 1000}"}}',
                    "{}",
                )
                for k in range(contacts)
            ),
        )
        await connection.copy_records_to_table(
            "cw_conversations",
            columns=[
                "id",
                "account_id",
                "conversation_id",
                "contact_global_id",
                "inbox_id",
                "status",
                "data",
            ],
            records=(
                (f"cw:2:{c}", 2, c, f"cwc:2:{c // 5}", c % 50, "open", '{"labels": []}')
                for c in range(conversations)
            ),
        )
        start = datetime(2026, 1, 1, tzinfo=UTC)
        await connection.copy_records_to_table(
            "rag_chunks",
            columns=[
                *("id", "conversation_global_id", "message_global_id", "chunk_index", "text"),
                *("embedding", "embedding_status", "embedding_model", *CHUNK_FILTER_COLUMNS),
            ],
            records=(
                (
                    uuid.uuid4(),
                    f"cw:2:{n // 4}",
                    f"cwmsg:2:{n}",
                    0,
                    f"chunk {n}",
                    vectors[n],
                    "ready",
                    LOCAL_MODEL_NAME,
                    2,
                    (n // 4) % 50,
                    False,
                    "incoming",
                    "contact",
                    start + timedelta(minutes=n),
                )
                for n in range(count)
            ),
        )
        await connection.execute("SET maintenance_work_mem = '1GB'")
        began = time.perf_counter()
        await connection.execute(
            "CREATE INDEX ix_rag_chunks_embedding_hnsw ON rag_chunks"
            " USING hnsw (embedding vector_cosine_ops)"
        )
        print(f"part 2 load: {count} chunks, HNSW built in {time.perf_counter() - began:.1f} s")
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def recall(engine: AsyncEngine, url: str, args: argparse.Namespace) -> None:
    rng = np.random.default_rng(7)
    centres = rng.normal(0, 1, (40, LOCAL_DIMENSION))
    vectors = clustered(rng, args.chunks, centres)
    await load_chunks(url.replace("+asyncpg", ""), vectors)
    queries = clustered(rng, args.queries, centres)
    chunk = np.arange(args.chunks)
    conversation, contact = chunk // 4, chunk // 20
    masks = {
        "no filter": np.ones(args.chunks, bool),
        "inbox filter (~2 %)": conversation % 50 == 7,
        "contact attribute eq (~2 %)": contact % 50 == 0,
        "contact attribute gt on string-stored number (~2 %)": (contact * 31) % 1000 >= 980,
    }
    filters: dict[str, dict[str, Any]] = {
        "no filter": {},
        "inbox filter (~2 %)": {"inbox_ids": [7]},
        "contact attribute eq (~2 %)": {
            "contact_attributes": [{"key": "tier", "op": "eq", "value": "gold"}]
        },
        "contact attribute gt on string-stored number (~2 %)": {
            "contact_attributes": [{"key": "score", "op": "gte", "value": 980}]
        },
    }
    settings = SearchSettings(database_url="postgresql://unused/x")
    provider = PrecomputedProvider({f"q{i}": q.tolist() for i, q in enumerate(queries)})
    search = SearchService(
        settings=settings,
        models=ActiveModel(configured=provider, settings=settings, cache_size=0, ttl_s=60),
    )
    async with AsyncSession(engine) as session:
        scope = await make_scope(session, 2)
    print(f"\npart 2: semantic recall@10 vs exact, {args.chunks} chunks, {args.queries} queries")
    print("| filter | chunks passing | recall@10 mean | min | p50 ms | p99 ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, mask in masks.items():
        index = np.flatnonzero(mask)
        recalls, latencies = [], []
        for i, vector in enumerate(queries):
            exact = set(index[np.argsort(-(vectors[index] @ vector))[:10]].tolist())
            request = SearchRequest.model_validate(
                {"q": f"q{i}", "mode": "semantic", "filters": filters[label], "limit": 10}
            )
            async with AsyncSession(engine) as session:
                began = time.perf_counter()
                response = await search.search(session, scope, request)
                latencies.append((time.perf_counter() - began) * 1000)
            found = {int(hit.message.id.rsplit(":", 1)[1]) for hit in response.hits if hit.message}
            recalls.append(len(exact & found) / 10)
        print(
            f"| {label} | {len(index)} | {statistics.mean(recalls):.3f} | {min(recalls):.1f} |"
            f" {p(latencies, 50):.1f} | {p(latencies, 99):.1f} |"
        )


async def main(args: argparse.Namespace) -> None:
    os.environ.setdefault("PARLEY_LOG_LEVEL", "WARNING")
    configure(SearchSettings(database_url="postgresql://unused/x"), service="bench-segments")
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores "
        "(shared with other work: absolute figures are noisy; compare within the run)"
    )
    with contextlib.ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        options = {**EPHEMERAL_OPTIONS, "shared_buffers": args.shared_buffers}
        server = EmbeddedDatabase(data_dir, free_port(), options=options)
        server.start()
        try:
            await server.ensure_database(DATABASE)
            url = server.url(DATABASE)
            await asyncio.to_thread(migrate.upgrade, url, embedding_dim=LOCAL_DIMENSION)
            engine = create_async_engine(url)
            try:
                began = time.perf_counter()
                async with engine.begin() as connection:
                    await connection.execute(text(LOAD_CONTACTS), {"count": args.contacts})
                async with engine.connect() as connection:
                    await connection.execution_options(isolation_level="AUTOCOMMIT")
                    await connection.execute(text("VACUUM ANALYZE cw_contacts"))
                print(
                    f"part 1 load: {args.contacts} contacts with indexes in "
                    f"{time.perf_counter() - began:.1f} s"
                )
                await segments(engine, args)
                if args.chunks:
                    await recall(engine, url, args)
            finally:
                await engine.dispose()
        finally:
            server.stop()


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--shared-buffers", default="1GB")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
