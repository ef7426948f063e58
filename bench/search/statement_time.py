"""Where one search's time goes: each statement's time in Postgres and the Python before it.

Runs bench/search's queries through ``raw_sql.search`` (the service's repository calls on one
session, no HTTP) on a database ``run.py --data-dir`` kept, and times every statement with
SQLAlchemy's cursor events: "SQL" is a statement's execute (round trip and Postgres), "Python
before" the time since the previous statement ended (building the statement, its cache key,
the previous result's rows). Prints the request's wall time, its SQL and Python parts, and
per statement the medians of both.

    flock /tmp/parley-measure.lock nice -n 19 .venv/bin/python bench/search/statement_time.py \
        --data-dir /tmp/bench100k --mode keyword
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import corpus as synthetic
import numpy as np
import raw_sql
from bench_provider import create_caller
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_search_api.settings import SearchSettings
from parley_testing.postgres import free_port
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

DATABASE = "bench"  # run.py's


def _label(statement: str) -> str:
    return " ".join(statement.split())[:70]


def _p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


async def main(args: argparse.Namespace) -> None:
    os.environ.setdefault("PARLEY_LOG_LEVEL", "WARNING")
    if not (args.data_dir / f"loaded-{args.chunks}").exists():
        raise SystemExit(
            f"no loaded database of {args.chunks} chunks in {args.data_dir}: run.py --load-only first"
        )
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores")
    data = synthetic.build(args.chunks)
    queries = synthetic.queries(data, args.queries)
    print(f"corpus: {args.chunks} chunks, {len(queries)} queries, mode {args.mode}, no filter")
    server = EmbeddedDatabase(
        args.data_dir, free_port(), options={**EPHEMERAL_OPTIONS, "shared_buffers": "2GB"}
    )
    server.start()
    try:
        url = server.url(DATABASE)
        engine = create_async_engine(url, pool_size=2)
        settings = SearchSettings(database_url=url)
        async with AsyncSession(engine) as session:
            _, scope = await create_caller(session, accounts=[1, 2, 3])
            await session.commit()
        timeline: list[tuple[str, float, float]] = []  # statement, Python before, SQL
        clock: dict[str, float] = {}

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def before(*_: Any) -> None:
            clock["started"] = time.perf_counter()

        @event.listens_for(engine.sync_engine, "after_cursor_execute")
        def after(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            now = time.perf_counter()
            python = clock["started"] - clock["ended"]
            timeline.append((_label(statement), python * 1000, (now - clock["started"]) * 1000))
            clock["ended"] = now

        async def search(text: str, vector: np.ndarray) -> None:
            async with AsyncSession(engine) as session:
                await raw_sql.search(session, scope, settings, text, vector.tolist(), args.mode, {})

        for text, vector in queries[:20]:  # warm: statements built, plans cached
            clock["ended"] = time.perf_counter()
            await search(text, vector)
        timeline.clear()
        walls, sqls = [], []
        for text, vector in queries:
            first = len(timeline)
            began = clock["ended"] = time.perf_counter()
            await search(text, vector)
            walls.append((time.perf_counter() - began) * 1000)
            sqls.append(sum(sql for _, _, sql in timeline[first:]))
        python = [wall - sql for wall, sql in zip(walls, sqls, strict=True)]
        print(
            f"request ms p50 / p99: wall {_p(walls, 50):.1f} / {_p(walls, 99):.1f}, "
            f"SQL {_p(sqls, 50):.1f} / {_p(sqls, 99):.1f}, "
            f"Python {_p(python, 50):.1f} / {_p(python, 99):.1f}"
        )
        before_ms: dict[str, list[float]] = defaultdict(list)
        sql_ms: dict[str, list[float]] = defaultdict(list)
        for label, python_ms, statement_ms in timeline:
            before_ms[label].append(python_ms)
            sql_ms[label].append(statement_ms)
        print(f"{'runs':>5} {'Python before':>13} {'SQL':>6}  statement (p50, ms)")
        for label in before_ms:
            print(
                f"{len(before_ms[label]):5d} {statistics.median(before_ms[label]):13.2f} "
                f"{statistics.median(sql_ms[label]):6.2f}  {label}"
            )
        await engine.dispose()
    finally:
        server.stop()


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="a database run.py kept")
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--mode", choices=("semantic", "keyword", "hybrid"), default="keyword")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
