"""search-api latency and recall on a synthetic corpus, against its own embedded Postgres.

    .venv/bin/python bench/search/run.py                 # 100k chunks
    .venv/bin/python bench/search/run.py --chunks 1000000 --data-dir /tmp/bench1m

Prints index build times; p50/p99 latency and throughput at concurrency 1 and 8 for
semantic, keyword and hybrid, with and without a selective filter (one inbox of 50, ~2 %),
both through the HTTP API (in-process ASGI, auth and hydration included) and for the same
SQL run directly (the repository calls the service makes, no HTTP/auth/JSON); recall@10 of
semantic search against exact search. API and SQL are measured in alternating rounds, so
load from other work on the machine hits both alike. The table and its indexes are read into
shared_buffers (sized to hold them) before measuring, as a production server keeps them.
Query vectors are precomputed (the model is not part of these figures; the local model adds
~15 ms per uncached query on this machine). ``--data-dir`` keeps the loaded database and
reuses it on the next run with the same ``--chunks`` (the 1M load takes ~15 minutes here);
``--load-only`` stops after the load, so the slow part can run outside a measurement lock.
See README.md for the last figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import corpus as synthetic
import httpx
import loader
import numpy as np
import raw_sql
from bench_provider import create_caller
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_embeddings.testing.precomputed import PrecomputedProvider
from parley_schema import migrate
from parley_search_api.access.scope import ProjectScope
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from parley_testing.postgres import free_port
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

DATABASE = "bench"
FILTER_INBOX = 7
FILTER: dict[str, object] = {"inbox_ids": [FILTER_INBOX]}


async def timed(calls: Sequence[Callable[[], Awaitable[object]]], concurrency: int) -> list[float]:
    latencies: list[float] = []
    queue = list(calls)

    async def worker() -> None:
        while queue:
            call = queue.pop()
            began = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - began) * 1000)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def alternating(
    api_calls: Sequence[Callable[[], Awaitable[object]]],
    sql_calls: Sequence[Callable[[], Awaitable[object]]],
    concurrency: int,
    rounds: int = 5,
) -> tuple[list[float], float, list[float], float]:
    """API and SQL latencies (ms) and rates (q/s), measured in alternating rounds (API first,
    then SQL first) so that load from other work on the machine hits both sides alike."""
    latencies: dict[str, list[float]] = {"api": [], "sql": []}
    seconds = {"api": 0.0, "sql": 0.0}
    size = -(-len(api_calls) // rounds)
    for n in range(rounds):
        part = slice(n * size, (n + 1) * size)
        order = ("api", "sql") if n % 2 == 0 else ("sql", "api")
        for side in order:
            calls = api_calls[part] if side == "api" else sql_calls[part]
            started = time.perf_counter()
            latencies[side] += await timed(calls, concurrency)
            seconds[side] += time.perf_counter() - started
    return (
        latencies["api"],
        len(latencies["api"]) / seconds["api"],
        latencies["sql"],
        len(latencies["sql"]) / seconds["sql"],
    )


def shared_buffers_for(chunks: int) -> str:
    """Enough to hold the table and its search indexes (~4 KB per 384-d chunk), at least 1 GB."""
    return f"{max(1, -(-chunks * 6 // 1_000_000))}GB"


def p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


async def main(args: argparse.Namespace) -> None:
    # search-api logs every query at INFO; thousands of lines would bury the table.
    os.environ.setdefault("PARLEY_LOG_LEVEL", "WARNING")
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores (shared with other work: absolute figures are noisy, ratios are same-run)"
    )
    began = time.perf_counter()
    data = synthetic.build(args.chunks)
    queries = synthetic.queries(data, args.queries)
    print(
        f"corpus: {args.chunks} chunks x {synthetic.DIM}-d, {synthetic.TOPICS} topics; {len(queries)} queries; built in {time.perf_counter() - began:.1f} s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the bench client's own request log
    with contextlib.ExitStack() as stack:
        data_dir = args.data_dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        data_dir.mkdir(parents=True, exist_ok=True)
        loaded = data_dir / f"loaded-{args.chunks}"  # written once the corpus and indexes are in
        options = {
            **EPHEMERAL_OPTIONS,
            "shared_buffers": args.shared_buffers or shared_buffers_for(args.chunks),
            "max_connections": "100",
        }
        server = EmbeddedDatabase(data_dir, free_port(), options=options)
        server.start()
        try:
            url = server.url(DATABASE)
            if loaded.exists():
                print(f"load: reused from {data_dir}")
            else:
                await server.ensure_database(DATABASE)
                await asyncio.to_thread(migrate.upgrade, url, embedding_dim=synthetic.DIM)
                timings = await loader.load(
                    server.url(DATABASE, driver="postgresql"),
                    data,
                    maintenance_work_mem=args.maintenance_work_mem,
                )
                print("load: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
                loaded.touch()
            if args.load_only:
                return
            seconds = await loader.prewarm(server.url(DATABASE, driver="postgresql"))
            print(
                f"prewarm (table and indexes into shared_buffers {options['shared_buffers']}): {seconds:.1f} s"
            )
            await measure(url, data, queries, args)
        finally:
            server.stop()


async def measure(
    url: str,
    data: synthetic.Corpus,
    queries: list[tuple[str, np.ndarray]],
    args: argparse.Namespace,
) -> None:
    provider = PrecomputedProvider({text: vector.tolist() for text, vector in queries})
    settings = SearchSettings(database_url=url, search_ef_search=args.ef_search, db_pool_size=10)
    engine = create_async_engine(url, pool_size=10)
    async with AsyncSession(engine) as session:
        token, scope = await create_caller(session, accounts=[1, 2, 3])
        await session.commit()
    app = create_app(settings, provider=provider)
    header = f"{'mode':<9}{'filter':<8}{'conc':>4} | {'API p50':>8}{'p99':>8}{'q/s':>7} | {'SQL p50':>8}{'p99':>8}{'q/s':>7} | {'API/SQL p50':>11}"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as client:
            await recall(client, data, queries)
            print()
            print(header)
            print("-" * len(header))
            for mode in ("semantic", "keyword", "hybrid"):
                for filtered in (False, True):
                    filters = FILTER if filtered else {}
                    for concurrency in args.concurrency:
                        api_calls = [_api_call(client, text, mode, filters) for text, _ in queries]
                        sql_calls = [
                            _sql_call(engine, scope, settings, text, vector, mode, filters)
                            for text, vector in queries
                        ]
                        await timed(api_calls[:10], concurrency)  # warm-up
                        await timed(sql_calls[:10], concurrency)
                        api, api_rate, sql, sql_rate = await alternating(
                            api_calls, sql_calls, concurrency
                        )
                        print(
                            f"{mode:<9}{('inbox' if filtered else '-'):<8}{concurrency:>4} | "
                            f"{p(api, 50):8.1f}{p(api, 99):8.1f}{api_rate:7.0f} | "
                            f"{p(sql, 50):8.1f}{p(sql, 99):8.1f}{sql_rate:7.0f} | "
                            f"{p(api, 50) / p(sql, 50):11.2f}"
                        )
    await engine.dispose()
    print("latencies in ms; SQL = the service's repository calls on one session, no HTTP/auth/JSON")


def _api_call(
    client: httpx.AsyncClient, text: str, mode: str, filters: dict[str, object]
) -> Callable[[], Awaitable[object]]:
    async def call() -> object:
        response = await client.post(
            "/v1/search", json={"q": text, "mode": mode, "filters": filters, "limit": 10}
        )
        response.raise_for_status()
        return response

    return call


def _sql_call(
    engine: AsyncEngine,
    scope: ProjectScope,
    settings: SearchSettings,
    text: str,
    vector: np.ndarray,
    mode: str,
    filters: dict[str, object],
) -> Callable[[], Awaitable[object]]:
    async def call() -> object:
        async with AsyncSession(engine) as session:
            return await raw_sql.search(
                session, scope, settings, text, vector.tolist(), mode, filters
            )

    return call


async def recall(
    client: httpx.AsyncClient, data: synthetic.Corpus, queries: list[tuple[str, np.ndarray]]
) -> None:
    """Semantic top 10 through the API against exact top 10 (numpy, same filter)."""
    mask_filtered = data.inbox_ids == FILTER_INBOX
    for label, filters, mask in (
        ("no filter", {}, np.ones(len(data.texts), bool)),
        ("inbox filter (~2 %)", FILTER, mask_filtered),
    ):
        index = np.flatnonzero(mask)
        recalls = []
        for text, vector in queries[:100]:
            exact = set(index[np.argsort(-(data.vectors[index] @ vector))[:10]].tolist())
            response = await client.post(
                "/v1/search", json={"q": text, "mode": "semantic", "filters": filters, "limit": 10}
            )
            found = {int(hit["message"]["id"].rsplit(":", 1)[1]) for hit in response.json()["hits"]}
            recalls.append(len(exact & found) / 10)
        print(
            f"recall@10 semantic vs exact, {label}: {statistics.mean(recalls):.3f} (min {min(recalls):.1f})"
        )


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--ef-search",
        type=int,
        default=SearchSettings.model_fields["search_ef_search"].default,
        help="hnsw.ef_search (default: the service's default)",
    )
    parser.add_argument("--maintenance-work-mem", default="4GB", help="for the index builds")
    parser.add_argument(
        "--shared-buffers", help="Postgres shared_buffers (default: the corpus and its indexes fit)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the database here and reuse it on the next run with the same --chunks",
    )
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="load the corpus into --data-dir and stop (then measure in a later run)",
    )
    parser.add_argument(
        "--concurrency", type=lambda v: [int(c) for c in v.split(",")], default=[1, 8]
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
