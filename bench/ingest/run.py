"""Ingest benchmark: signed ``message_created`` webhooks against the running service, and the
same load against a no-op FastAPI endpoint served the same way, in the same run.

Starts a private embedded Postgres (migrated) and a private RabbitMQ vhost, runs ingest with
``uvicorn --factory parley_ingest.main:create_app`` (one process, relay inside, INFO logs to a
file) and the no-op app the same way, warms both up, then drives each from a separate load
process (``load.py``: httpx, keep-alive, ``--concurrency`` in flight). Prints accepted
webhooks/s, p50/p99 latency, the ratio to the no-op endpoint, and how long after the load
stopped the outbox was fully published.

    .venv/bin/python bench/ingest/run.py                    # 5,000 requests, concurrency 32
    .venv/bin/python bench/ingest/run.py --requests 20000   # the issue's full size

The machine is shared with other work while this runs: absolute figures are noisy; the ratio
measured in one run is the number to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_devstack.rabbitmq import create_vhost, delete_vhost
from parley_schema import migrate
from parley_schema.settings import ParleyBaseSettings
from parley_testing.postgres import free_port
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TEMPLATE = ROOT / "services/ingest/tests/fixtures/02_message_created_incoming.json"
SECRET = secrets.token_hex(16)  # this run only
DATABASE = "parley_bench"


def serve(
    app: str, port: int, env: dict[str, str], log: Path, app_dir: Path | None
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "--factory", app, "--host", "127.0.0.1",
        "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    if app_dir is not None:
        command += ["--app-dir", str(app_dir)]
    with log.open("ab") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{app} did not start; see {log}")
        time.sleep(0.2)


def load(port: int, requests: int, concurrency: int, first_id: int) -> dict[str, Any]:
    output = subprocess.run(
        [
            sys.executable,
            str(HERE / "load.py"),
            "--url",
            f"http://127.0.0.1:{port}",
            "--requests",
            str(requests),
            "--concurrency",
            str(concurrency),
            "--secret",
            SECRET,
            "--template",
            str(TEMPLATE),
            "--first-id",
            str(first_id),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if output.returncode != 0:
        raise SystemExit(f"the load process failed: {output.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(output.stdout)
    return result


async def outbox_drain_seconds(database_url: str, limit_s: float = 60.0) -> tuple[float, int, int]:
    """Seconds until no outbox row is unpublished, the rows published, and the backlog when
    the wait started."""
    engine = create_async_engine(database_url)
    started = time.monotonic()
    backlog: int | None = None
    try:
        while True:
            async with engine.connect() as connection:
                pending, published = (
                    await connection.execute(
                        text(
                            "SELECT count(*) FILTER (WHERE published_at IS NULL),"
                            " count(*) FILTER (WHERE published_at IS NOT NULL) FROM event_outbox"
                        )
                    )
                ).one()
            backlog = int(pending) if backlog is None else backlog
            if pending == 0 or time.monotonic() - started > limit_s:
                return time.monotonic() - started, int(published), backlog
            await asyncio.sleep(0.02)
    finally:
        await engine.dispose()


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument(
        "--ephemeral-db", action="store_true", help="fsync off (default: durable commits)"
    )
    parser.add_argument("--keep-log", type=Path, help="copy the ingest log here")
    args = parser.parse_args()

    with ExitStack() as cleanup:
        workdir = Path(tempfile.mkdtemp(prefix="parley-bench-ingest-"))
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        database = EmbeddedDatabase(
            workdir / "pg", free_port(), options=EPHEMERAL_OPTIONS if args.ephemeral_db else None
        )
        database.start()
        cleanup.callback(database.stop)
        database.ensure_database_sync(DATABASE)
        database_url = database.url(DATABASE)
        migrate.upgrade(database_url, embedding_dim=384)
        vhost, amqp_url = create_vhost(str(ParleyBaseSettings().amqp_url), prefix="parley-bench")
        cleanup.callback(delete_vhost, vhost)

        env = {
            **os.environ,
            "PARLEY_DATABASE_URL": database_url,
            "PARLEY_AMQP_URL": amqp_url,
            "PARLEY_CHATWOOT_WEBHOOK_SECRETS": json.dumps({"1": SECRET}),
            "PARLEY_LOG_FORMAT": "json",
            "PARLEY_LOG_LEVEL": "INFO",
        }
        ingest_port, noop_port = free_port(), free_port()
        ingest = serve(
            "parley_ingest.main:create_app", ingest_port, env, workdir / "ingest.log", None
        )
        cleanup.callback(ingest.terminate)
        noop = serve("noop_app:create_app", noop_port, env, workdir / "noop.log", HERE)
        cleanup.callback(noop.terminate)

        load(noop_port, args.warmup, args.concurrency, first_id=1)
        load(ingest_port, args.warmup, args.concurrency, first_id=1)
        asyncio.run(outbox_drain_seconds(database_url))

        baseline = load(noop_port, args.requests, args.concurrency, first_id=100_000)
        measured = load(ingest_port, args.requests, args.concurrency, first_id=100_000)
        drain_s, published, backlog = asyncio.run(outbox_drain_seconds(database_url))
        if args.keep_log:
            shutil.copy(workdir / "ingest.log", args.keep_log)

    ratio = measured["per_second"] / baseline["per_second"]
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores "
        f"(shared with other work: absolute figures are noisy, compare the ratio)"
    )
    print(
        f"inputs: {args.requests} signed message_created webhooks (+{args.warmup} warm-up), "
        f"concurrency {args.concurrency}, one uvicorn process each, "
        f"{'ephemeral' if args.ephemeral_db else 'durable (fsync on)'} Postgres"
    )
    rows: list[tuple[str, ...]] = [("endpoint", "accepted/s", "p50 ms", "p99 ms", "errors")]
    for name, result in (("no-op FastAPI", baseline), ("ingest", measured)):
        rows.append(
            (
                name,
                f"{result['per_second']:.0f}",
                f"{result['p50_ms']:.1f}",
                f"{result['p99_ms']:.1f}",
                f"{result['errors']:.0f}",
            )
        )
    print(table(rows))
    print(f"ratio ingest / no-op: {ratio:.2f} (target >= 0.35)")
    print(
        f"outbox drained {drain_s * 1000:.0f} ms after the load stopped "
        f"({backlog} events were waiting; {published} published in all; target < 1 s)"
    )


if __name__ == "__main__":
    main()
