"""Similar conversations: latency of ``GET /v1/conversations/{id}/similar`` at scale.

    .venv/bin/python bench/search/run.py --chunks 400000 --data-dir /tmp/bench400k --load-only
    flock /tmp/parley-measure.lock nice -n 19 .venv/bin/python bench/search/similar.py \\
        --chunks 400000 --data-dir /tmp/bench400k

On a database ``run.py`` loaded (400k chunks: 100k conversations of four messages, customer
and agent in turn, a third of them resolved), through the HTTP API (in-process ASGI, auth and
hydration included, c=1): ``finished`` asks for conversations similar to one of the corpus;
``open`` to a new open conversation holding only customer messages (a copy of a corpus
conversation's two customer messages, written before and deleted after the measurement).
``today`` times the SQL of the endpoint before issue 21 in the same run (the conversation's
mean vector, its nearest 100 chunks through the HNSW index; no HTTP, auth or hydration),
for scale. Prints p50/p99/max ms.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import loader
import numpy as np
from bench_provider import create_caller
from corpus import CHUNKS_PER_CONVERSATION
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_embeddings.testing.precomputed import PrecomputedProvider
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from parley_testing.postgres import free_port
from pgvector.sqlalchemy import Vector
from run import DATABASE, p, shared_buffers_for, timed
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

SOURCES = 200
OPEN_OFFSET = 10_000_000  # display numbers of the open copies

# An open copy of conversation :source: its customer messages and their chunks, as new rows.
OPEN_COPY = [
    """INSERT INTO cw_conversations (id, account_id, conversation_id, contact_global_id,
                                     inbox_id, status, data)
       SELECT 'cw:' || account_id || ':' || (conversation_id + :offset), account_id,
              conversation_id + :offset, contact_global_id, inbox_id, 'open', data
       FROM cw_conversations WHERE id = :source""",
    """INSERT INTO cw_messages (id, account_id, message_id, conversation_id,
                                conversation_global_id, contact_global_id, sender_type,
                                message_type, content, data, created_at)
       SELECT id || '#open', account_id, message_id + :offset, conversation_id + :offset,
              'cw:' || account_id || ':' || (conversation_id + :offset), contact_global_id,
              sender_type, message_type, content, data, created_at
       FROM cw_messages WHERE conversation_global_id = :source AND message_type = 'incoming'""",
    """INSERT INTO rag_chunks (conversation_global_id, message_global_id, chunk_index, text,
                               embedding, embedding_status, embedding_model, account_id,
                               inbox_id, private, message_type, sender_type, message_created_at)
       SELECT 'cw:' || account_id || ':' || (split_part(conversation_global_id, ':', 3)::bigint
              + :offset), message_global_id || '#open', chunk_index, text, embedding,
              embedding_status, embedding_model, account_id, inbox_id, private, message_type,
              sender_type, message_created_at
       FROM rag_chunks WHERE conversation_global_id = :source AND message_type = 'incoming'""",
]
REMOVE_COPIES = [
    "DELETE FROM rag_chunks WHERE message_global_id LIKE '%#open'",
    "DELETE FROM cw_messages WHERE id LIKE '%#open'",
    "DELETE FROM cw_conversations WHERE conversation_id >= :offset",
]
TODAY_CENTROID = """SELECT avg(embedding) FROM rag_chunks
    WHERE conversation_global_id = :id AND embedding_model = :model AND NOT private"""
TODAY_NEAREST = """SELECT id, conversation_global_id FROM rag_chunks
    WHERE embedding_model = :model AND NOT private AND conversation_global_id <> :id
    ORDER BY embedding <=> CAST(:v AS vector) LIMIT 100"""
TODAY_TUNE = """SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),
    set_config('hnsw.ef_search', '400', true), set_config('hnsw.max_scan_tuples', '20000', true)"""


async def open_copies(engine: AsyncEngine, sources: list[str]) -> list[str]:
    async with AsyncSession(engine) as session:
        for source in sources:
            for statement in OPEN_COPY:
                await session.execute(text(statement), {"source": source, "offset": OPEN_OFFSET})
        await session.execute(text("ANALYZE rag_chunks"))
        await session.commit()
    copies = []
    for source in sources:
        _, account, number = source.split(":")
        copies.append(f"cw:{account}:{int(number) + OPEN_OFFSET}")
    return copies


async def remove_copies(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        for statement in REMOVE_COPIES:
            await session.execute(text(statement), {"offset": OPEN_OFFSET})
        await session.commit()


def report(label: str, latencies: list[float], found: list[int]) -> None:
    print(
        f"{label:<28}| {p(latencies, 50):7.1f}{p(latencies, 99):8.1f}{max(latencies):8.1f}"
        f" | {sum(found) / len(found):5.1f}"
    )


async def measure_api(client: httpx.AsyncClient, label: str, sources: list[str]) -> None:
    found: list[int] = []

    def call(gid: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            response = await client.get(f"/v1/conversations/{gid}/similar")
            response.raise_for_status()
            found.append(len(response.json()["hits"]))

        return run

    await timed([call(g) for g in sources[:10]], 1)  # warm-up
    found.clear()
    report(label, await timed([call(g) for g in sources], 1), found)


async def measure_today(engine: AsyncEngine, label: str, sources: list[str]) -> None:
    found: list[int] = []

    def call(gid: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            async with AsyncSession(engine) as session:
                await session.execute(text(TODAY_TUNE))
                centroid = await session.scalar(
                    text(TODAY_CENTROID).columns(avg=Vector()),
                    {"id": gid, "model": loader.MODEL},
                )
                rows = await session.execute(
                    text(TODAY_NEAREST),
                    {"id": gid, "model": loader.MODEL, "v": str(list(centroid))},
                )
                found.append(len({conversation for _, conversation in rows}))

        return run

    await timed([call(g) for g in sources[:10]], 1)
    found.clear()
    report(label, await timed([call(g) for g in sources], 1), found)


async def main(args: argparse.Namespace) -> None:
    os.environ.setdefault("PARLEY_LOG_LEVEL", "WARNING")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores (shared)")
    loaded = args.data_dir / f"loaded-{args.chunks}"
    if not loaded.exists():
        sys.exit(f"no database of {args.chunks} chunks in {args.data_dir}: run run.py --load-only")
    conversations = args.chunks // CHUNKS_PER_CONVERSATION
    options = {
        **EPHEMERAL_OPTIONS,
        "shared_buffers": shared_buffers_for(args.chunks),
        "max_connections": "100",
    }
    server = EmbeddedDatabase(args.data_dir, free_port(), options=options)
    server.start()
    try:
        await loader.prewarm(server.url(DATABASE, driver="postgresql"))
        url = server.url(DATABASE)
        engine = create_async_engine(url)
        async with AsyncSession(engine) as session:
            token, _ = await create_caller(session, accounts=[1, 2, 3])
            picked = np.random.default_rng(5).choice(conversations, size=SOURCES, replace=False)
            rows = await session.execute(
                text("SELECT id FROM cw_conversations WHERE conversation_id = ANY(:n)"),
                {"n": [int(n) for n in picked]},
            )
            finished = sorted(gid for (gid,) in rows)
            await session.commit()
        await remove_copies(engine)  # left over by an interrupted run
        waiting = await open_copies(engine, finished)
        print(
            f"corpus: {args.chunks} chunks, {conversations} conversations; {len(finished)} sources"
        )
        app = create_app(SearchSettings(database_url=url), provider=PrecomputedProvider({}))
        try:
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url="http://bench",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=120,
                ) as client,
            ):
                print(f"{'c=1, ms':<28}| {'p50':>7}{'p99':>8}{'max':>8} | hits")
                await measure_today(engine, "today (SQL only), finished", finished)
                await measure_today(engine, "today (SQL only), open", waiting)
                await measure_api(client, "API, finished", finished)
                await measure_api(client, "API, open", waiting)
        finally:
            await remove_copies(engine)
            await engine.dispose()
    finally:
        server.stop()


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=400_000)
    parser.add_argument("--data-dir", type=Path, required=True)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
