"""The exact scan under a selective filter: what a narrower row, halfvec or a binary
pre-scan would buy (an experiment for issue 18, not a code path of search-api).

    .venv/bin/python bench/search/run.py --data-dir /tmp/bench100k --load-only
    flock /tmp/parley-measure.lock nice -n 19 .venv/bin/python bench/search/quantized_scan.py --data-dir /tmp/bench100k

On a database ``run.py`` loaded (``--data-dir``, same ``--chunks``), copies the vectors of
the first ``--rows`` chunks in table order (20,000: what the ~2 % inbox filter leaves at 1M
chunks; read by a TID range scan, so the baseline reads no index) into three narrow
tables (``vector``, ``halfvec``, and ``binary_quantize`` as ``bit``), then times, per query
vector, the ten nearest of those chunks by:

- ``wide``: cosine over the chunks' own rows (what search-api's exact scan does; baseline);
- ``narrow vector`` / ``narrow halfvec``: cosine over the narrow tables;
- ``binary k=K``: Hamming distance over the bit table, the K nearest re-ranked by exact
  cosine.

Prints p50/p99 ms and recall@10 against ``wide``. The tables are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import asyncpg
import corpus as synthetic
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_devstack.machine import summary
from parley_testing.postgres import free_port
from run import DATABASE, p, shared_buffers_for

QUERIES = 40
RERANK = (200, 400, 800)
SOURCE = "SELECT id, embedding FROM rag_chunks WHERE ctid <= $1::tid"
TABLES = {
    "bench_narrow_vector": "embedding",
    "bench_narrow_halfvec": "embedding::halfvec(384)",
    "bench_narrow_bit": "binary_quantize(embedding)::bit(384)",
}
BINARY = (
    "SELECT s.id FROM (SELECT id FROM bench_narrow_bit "
    "ORDER BY (embedding <~> binary_quantize($1::vector)::bit(384)) + 0 LIMIT $2) s "
    "JOIN bench_narrow_vector v USING (id) ORDER BY v.embedding <=> $1::vector LIMIT 10"
)
WIDE = (
    "SELECT id FROM rag_chunks WHERE ctid <= $2::tid "
    "ORDER BY (embedding <=> $1::vector) + 0 LIMIT 10"
)
NARROW = {
    "narrow vector": "SELECT id FROM bench_narrow_vector "
    "ORDER BY (embedding <=> $1::vector) + 0 LIMIT 10",
    "narrow halfvec": "SELECT id FROM bench_narrow_halfvec "
    "ORDER BY (embedding <=> $1::halfvec(384)) + 0 LIMIT 10",
}


async def measure(connection: asyncpg.Connection, rows: int, queries: list[str]) -> None:
    last = await connection.fetchval(
        "SELECT max(ctid) FROM (SELECT ctid FROM rag_chunks ORDER BY ctid LIMIT $1) s", rows
    )
    for table, expression in TABLES.items():
        await connection.execute(f"DROP TABLE IF EXISTS {table}")
        select = SOURCE.replace("embedding FROM", f"{expression} AS embedding FROM")
        await connection.execute(f"CREATE TABLE {table} AS {select}", last)
        await connection.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")
        await connection.execute(f"VACUUM ANALYZE {table}")
    pages = await connection.fetch(
        "SELECT relname, relpages FROM pg_class WHERE relname = ANY($1::text[]) ORDER BY 1",
        [*TABLES, "rag_chunks"],
    )
    print("pages: " + ", ".join(f"{r['relname']} {r['relpages']}" for r in pages))
    # each scan: its statement, and its parameters after the query vector
    scans: dict[str, tuple[str, tuple[object, ...]]] = {
        "wide": (WIDE, (last,)),
        **{name: (sql, ()) for name, sql in NARROW.items()},
        **{f"binary k={k}": (BINARY, (k,)) for k in RERANK},
    }

    async def one_pass() -> tuple[dict[str, list[float]], dict[str, list[set[object]]]]:
        latencies: dict[str, list[float]] = {name: [] for name in scans}
        found: dict[str, list[set[object]]] = {name: [] for name in scans}
        for query in queries:
            for name, (sql, parameters) in scans.items():
                started = time.perf_counter()
                result = await connection.fetch(sql, query, *parameters)
                latencies[name].append((time.perf_counter() - started) * 1000)
                found[name].append({r["id"] for r in result})
        return latencies, found

    await one_pass()  # warms the narrow tables' pages
    latencies, found = await one_pass()
    print(f"{'scan':<16}| {'p50':>7}{'p99':>8} | recall@10 vs wide")
    for name, values in latencies.items():
        recall = sum(
            len(mine & exact) for mine, exact in zip(found[name], found["wide"], strict=True)
        ) / (10 * len(queries))
        print(f"{name:<16}| {p(values, 50):7.1f}{p(values, 99):8.1f} | {recall:.3f}")
    for table in TABLES:
        await connection.execute(f"DROP TABLE {table}")


async def main(args: argparse.Namespace) -> None:
    if not (args.data_dir / f"loaded-{args.chunks}").exists():
        sys.exit(f"no database of {args.chunks} chunks in {args.data_dir}: run run.py --load-only")
    print(f"machine: {summary()}")
    print(f"inputs: {args.rows} of {args.chunks} chunks, {QUERIES} query vectors, c=1")
    # run.py's query vectors: the corpus is built again from its seed (as typo.py does)
    data = synthetic.build(args.chunks)
    queries = [str(v.tolist()) for _, v in synthetic.queries(data, QUERIES)]
    options = {**EPHEMERAL_OPTIONS, "shared_buffers": shared_buffers_for(args.chunks)}
    server = EmbeddedDatabase(args.data_dir, free_port(), options=options)
    server.start()
    try:
        connection = await asyncpg.connect(server.url(DATABASE, driver="postgresql"))
        try:
            await measure(connection, args.rows, queries)
        finally:
            await connection.close()
    finally:
        server.stop()


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=20_000, help="chunks the filter leaves")
    parser.add_argument("--data-dir", type=Path, required=True)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
