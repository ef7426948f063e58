"""Freshness: how long after Chatwoot's webhook is accepted a message becomes searchable.

Runs the four services as processes (exactly as ``parley up``) on a private embedded Postgres
and a private RabbitMQ vhost, sends signed ``message_created`` webhooks at a steady rate, and
for every message records the time from the 200 of its webhook until its chunks are ``ready``
(the moment search returns it; observed by polling every ``--poll-ms``). A sample is then
confirmed through the search API. The whole run is repeated for each local model runtime
(``PARLEY_LOCAL_MODEL_RUNTIME``: torch and the default, by default), on a fresh stack each.
The baseline, measured in the same run before the stacks start, is each runtime's raw
latency for one text (in a process of its own). A second table splits each message's time
into stages: the webhook's own round trip, its 200 until the relay published the event
(``event_outbox.published_at``), on until the embedder stored the chunks
(``rag_chunks.last_embedded_at``), and on until the poller saw them.

    .venv/bin/python bench/freshness/run.py                 # 20 and 50 msg/s, 60 s each
    .venv/bin/python bench/freshness/run.py --rates 20 --duration 15 --runtimes openvino
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from parley_cli.client import SearchClient, create_user, provision_token
from parley_devstack.embedded_db import EmbeddedDatabase
from parley_devstack.machine import summary as machine
from parley_devstack.rabbitmq import create_vhost, delete_vhost
from parley_embeddings.local_runtimes import load_encoder
from parley_schema import migrate
from parley_schema.settings import LocalModelRuntime, ParleyBaseSettings
from parley_simulator.delivery import deliver
from parley_simulator.load import customer_message, unique_word
from parley_simulator.topics import TOPICS
from parley_testing.postgres import free_port
from parley_testing.stack import Stack, running_stack
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SETTLE_TIMEOUT_S = 600.0
DEFAULT_RUNTIME = ParleyBaseSettings.model_fields["local_model_runtime"].default
VERIFY_SAMPLE = 20


@dataclass
class Run:
    rate: float
    accepted: dict[str, float] = field(default_factory=dict)  # message id -> accepted at
    accepted_wall: dict[str, float] = field(default_factory=dict)  # the same, epoch seconds
    response_ms: list[float] = field(default_factory=list)  # each webhook's own round trip
    # message id -> epoch seconds its event was published and its chunks stored (database)
    published_wall: dict[str, float] = field(default_factory=dict)
    stored_wall: dict[str, float] = field(default_factory=dict)
    searchable: dict[str, float] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=dict)  # message id -> its unique word
    send_seconds: float = 0.0

    def stages_ms(self) -> dict[str, list[float]]:
        """Each stage's durations, sorted: the webhook's own round trip, then from its 200
        until the relay published the event, on until the embedder stored the chunks, and on
        until the poller saw them (the last two share the store transaction's start time)."""
        both = [m for m in self.searchable if m in self.published_wall and m in self.stored_wall]
        return {
            "webhook round trip": sorted(self.response_ms),
            "200 -> published": sorted(
                (self.published_wall[m] - self.accepted_wall[m]) * 1000 for m in both
            ),
            "published -> stored": sorted(
                (self.stored_wall[m] - self.published_wall[m]) * 1000 for m in both
            ),
            "stored -> seen": sorted(
                (self._seen_wall(m) - self.stored_wall[m]) * 1000 for m in both
            ),
        }

    def timestamps(self) -> dict[str, list[float | None]]:
        """Each message's accepted, published, stored and seen times (epoch seconds)."""
        return {
            m: [
                self.accepted_wall[m],
                self.published_wall.get(m),
                self.stored_wall.get(m),
                self._seen_wall(m) if m in self.searchable else None,
            ]
            for m in self.accepted
        }

    def _seen_wall(self, message_id: str) -> float:
        """When the poller saw the message's chunks, on the epoch clock (the poller records
        monotonic time; the acceptance, recorded on both clocks, converts it)."""
        offset = self.accepted_wall[message_id] - self.accepted[message_id]
        return self.searchable[message_id] + offset

    def latencies_ms(self) -> list[float]:
        return sorted(
            (self.searchable[m] - self.accepted[m]) * 1000
            for m in self.accepted
            if m in self.searchable
        )


def _percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def raw_single_text_ms(runtime: LocalModelRuntime, samples: int = 50) -> float:
    """p50 of ``runtime`` encoding one support message (the floor of freshness)."""
    settings = ParleyBaseSettings()
    encoder = load_encoder(
        runtime, data_dir=settings.data_dir, precision=settings.local_model_precision
    )
    texts = [random.Random(i).choice(TOPICS).openers[0] for i in range(samples)]
    encoder.encode(texts[:5])
    timings = []
    for sentence in texts:
        started = time.perf_counter()
        encoder.encode([sentence])
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def raw_single_text_ms_in_own_process(runtime: LocalModelRuntime) -> float:
    command = [sys.executable, __file__, "--single-text-ms-of", runtime.value]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return float(output.strip().splitlines()[-1])


async def _poll(engine: AsyncEngine, run: Run, interval_s: float, stop: asyncio.Event) -> None:
    query = text(
        "SELECT DISTINCT message_global_id FROM rag_chunks "
        "WHERE embedding_status = 'ready' AND message_global_id = ANY(:ids)"
    )
    while True:
        pending = [m for m in run.accepted if m not in run.searchable]
        if pending:
            async with engine.connect() as connection:
                found = (await connection.execute(query, {"ids": pending})).scalars().all()
            now = time.monotonic()
            for message_id in found:
                run.searchable[message_id] = now
        elif stop.is_set():
            return
        await asyncio.sleep(interval_s)


async def _load(
    stack: Stack, engine: AsyncEngine, rate: float, duration: float, poll_s: float, first_id: int
) -> Run:
    run = Run(rate=rate)
    # Seeded by the first id, not the rate: with the same texts, a second runtime's run would
    # reuse the first one's vectors (same model, same text) and measure no model at all.
    rng = random.Random(first_id)
    stop = asyncio.Event()
    poller = asyncio.create_task(_poll(engine, run, poll_s, stop))
    count = int(rate * duration)
    async with httpx.AsyncClient(base_url=stack.url("ingest"), timeout=10) as client:

        async def send(index: int) -> None:
            word = unique_word(rng, "fresh")
            now = datetime.now(UTC)
            body = customer_message(index, first_id + index, word, rng, started_at=now, sent_at=now)
            delivered = await deliver(client, body, stack.webhook_secrets)
            message_id = f"cwmsg:1:{first_id + index}"
            run.words[message_id] = word
            run.accepted[message_id] = time.monotonic()
            run.accepted_wall[message_id] = time.time()
            run.response_ms.append(delivered.latency_s * 1000)

        started = time.monotonic()
        tasks = []
        for index in range(count):
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            tasks.append(asyncio.create_task(send(index)))
        await asyncio.gather(*tasks)
        run.send_seconds = time.monotonic() - started
    stop.set()
    try:
        await asyncio.wait_for(poller, timeout=SETTLE_TIMEOUT_S)
    except TimeoutError:
        raise RuntimeError(
            f"at {rate} msg/s only {len(run.searchable)} of {len(run.accepted)} accepted messages "
            f"became searchable within {SETTLE_TIMEOUT_S:.0f} s of the end of the load"
        ) from None
    return run


async def _record_stages(engine: AsyncEngine, run: Run) -> None:
    """When each message's event left the outbox and when its chunks were stored, from the
    database's own timestamps (same clock as the bench: one machine)."""
    ids = list(run.accepted)
    async with engine.connect() as connection:
        published = await connection.execute(
            text(
                "SELECT payload->'data'->>'message_global_id', extract(epoch FROM min(published_at))"
                " FROM event_outbox WHERE payload->'data'->>'message_global_id' = ANY(:ids)"
                " GROUP BY 1"
            ),
            {"ids": ids},
        )
        stored = await connection.execute(
            text(
                "SELECT message_global_id, extract(epoch FROM max(last_embedded_at))"
                " FROM rag_chunks WHERE message_global_id = ANY(:ids) GROUP BY 1"
            ),
            {"ids": ids},
        )
        run.published_wall = {m: float(at) for m, at in published if at is not None}
        run.stored_wall = {m: float(at) for m, at in stored if at is not None}


async def _verify(stack: Stack, token: str, run: Run) -> int:
    """How many of a sample the search API really returns."""
    client = SearchClient.with_token(stack.url("search-api"), token)
    try:
        hits = 0
        for message_id in random.Random(1).sample(
            sorted(run.words), min(VERIFY_SAMPLE, len(run.words))
        ):
            result = await client.search(run.words[message_id], mode="keyword", limit=5)
            hits += message_id in [hit["message"]["id"] for hit in result["hits"]]
        return hits
    finally:
        await client.close()


async def _provision(stack: Stack) -> str:
    """The first (administrator) user and an API token for account 1; the database keeps
    them for the stacks after this one."""
    password = uuid.uuid4().hex
    await create_user(stack.env, "bench", password)
    return await provision_token(
        stack.url("auth"), username="bench", password=password, project="bench", account_ids=[1]
    )


async def _bench(
    stack: Stack, database_url: str, args: argparse.Namespace, first_id: int, token: str
) -> list[tuple[Run, int]]:
    engine = create_async_engine(database_url)
    try:
        await _load(
            stack, engine, rate=5, duration=2, poll_s=args.poll_ms / 1000, first_id=first_id
        )  # warm-up
        results = []
        for number, rate in enumerate(args.rates, start=1):
            run = await _load(
                stack,
                engine,
                rate,
                args.duration,
                args.poll_ms / 1000,
                first_id=first_id + number * 1_000_000,
            )
            await _record_stages(engine, run)
            results.append((run, await _verify(stack, token, run)))
        return results
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", type=float, nargs="+", default=[20.0, 50.0])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--poll-ms", type=float, default=50.0)
    parser.add_argument(
        "--samples",
        type=Path,
        help="also write every message's timestamps (epoch s: accepted, published, stored,"
        " seen) to this JSON file, by runtime and rate",
    )
    parser.add_argument(
        "--runtimes",
        type=LocalModelRuntime,
        nargs="+",
        default=list(dict.fromkeys([LocalModelRuntime.TORCH, DEFAULT_RUNTIME])),
        help="local model runtimes to run the stack with, one after the other",
    )
    parser.add_argument(
        "--single-text-ms-of",
        type=LocalModelRuntime,
        help="internal: print this runtime's p50 latency for one text and exit",
    )
    args = parser.parse_args()
    if args.single_text_ms_of is not None:
        sys.stdout.write(f"{raw_single_text_ms(args.single_text_ms_of)}\n")
        return

    baselines = {runtime: raw_single_text_ms_in_own_process(runtime) for runtime in args.runtimes}
    results: dict[LocalModelRuntime, list[tuple[Run, int]]] = {}
    token: str | None = None
    with tempfile.TemporaryDirectory(prefix="parley-freshness-") as workdir:
        server = EmbeddedDatabase(Path(workdir) / "pg", free_port())
        server.start()
        vhost, amqp_url = create_vhost(str(ParleyBaseSettings().amqp_url), prefix="parley-bench")
        try:
            server.ensure_database_sync("parley")
            database_url = server.url("parley")
            migrate.upgrade(database_url, embedding_dim=384)
            for number, runtime in enumerate(args.runtimes):
                logs = Path(workdir) / f"logs-{runtime.value}"
                logs.mkdir()
                env = {"PARLEY_LOCAL_MODEL_RUNTIME": runtime.value}
                with running_stack(database_url, amqp_url, logs, extra_env=env) as stack:
                    first_id = (number + 1) * 100_000_000
                    if token is None:
                        token = asyncio.run(_provision(stack))
                    results[runtime] = asyncio.run(
                        _bench(stack, database_url, args, first_id, token)
                    )
        finally:
            delete_vhost(vhost)
            server.stop()

    if args.samples is not None:
        args.samples.write_text(
            json.dumps(
                {
                    runtime.value: {str(run.rate): run.timestamps() for run, _ in runs}
                    for runtime, runs in results.items()
                }
            )
        )
    print(f"machine: {machine()} (shared with other jobs: absolute figures are noisy)")
    print(
        f"inputs: signed message_created webhooks, {args.duration:.0f} s per rate, poll "
        f"{args.poll_ms:.0f} ms, local all-MiniLM-L6-v2"
    )
    for runtime, baseline_ms in baselines.items():
        print(
            f"baseline: {runtime.value}, one text encoded alone, p50 {baseline_ms:.1f} ms (same run)"
        )
    header = f"{'runtime':>9} {'rate msg/s':>10} {'sent':>6} {'achieved/s':>10} {'searchable':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'p50/raw':>8} {'api check':>9}"
    print(header)
    print("-" * len(header))
    for runtime, runs in results.items():
        for run, verified in runs:
            latencies = run.latencies_ms()
            sample = min(VERIFY_SAMPLE, len(run.words))
            print(
                f"{runtime.value:>9} {run.rate:>10.0f} {len(run.accepted):>6} "
                f"{len(run.accepted) / run.send_seconds:>10.1f} {len(latencies):>10} "
                f"{_percentile(latencies, 0.5):>8.0f} {_percentile(latencies, 0.95):>8.0f} "
                f"{_percentile(latencies, 0.99):>8.0f} {latencies[-1]:>8.0f} "
                f"{_percentile(latencies, 0.5) / baselines[runtime]:>8.1f} {verified:>4}/{sample:<4}"
            )
    print("\nwhere the time goes (ms; database timestamps for the middle two stages)")
    header = f"{'runtime':>9} {'rate msg/s':>10} {'stage':>20} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}"
    print(header)
    print("-" * len(header))
    for runtime, runs in results.items():
        for run, _ in runs:
            for stage, values in run.stages_ms().items():
                if values:
                    print(
                        f"{runtime.value:>9} {run.rate:>10.0f} {stage:>20} "
                        f"{_percentile(values, 0.5):>8.0f} {_percentile(values, 0.95):>8.0f} "
                        f"{_percentile(values, 0.99):>8.0f} {values[-1]:>8.0f}"
                    )


if __name__ == "__main__":
    main()
