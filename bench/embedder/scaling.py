"""Embedder scaling: 1, 2, 4 and 8 replicas (processes) on one queue, embedding through the
OpenAI-compatible fake at a fixed latency per request (100 ms by default).

    .venv/bin/python bench/embedder/scaling.py                      # 150 messages per replica
    .venv/bin/python bench/embedder/scaling.py --per-replica 625     # 5,000 at 8 replicas

The fake runs as its own process (``python -m parley_embeddings.testing.fake_openai_server``).
Each step starts N embedder processes, waits until all N consume, publishes N x per-replica
messages and times until every chunk is ready. With the provider's latency fixed, a replica's
rate is its batch size per request; the batch size is kept small (2) so that the fake's
latency, not the two shared CPU cores, is the limit being scaled, and each replica runs one
model call at a time (``--calls-in-flight``, the embedder's default is 2). Target: N replicas
>= 0.9 x N x the single-replica rate.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time

from parley_devstack.machine import free_port
from parley_devstack.machine import summary as machine
from stack import (
    embedders,
    insert_messages,
    private_stack,
    publish,
    support_messages,
    wait_consumers,
    wait_ready,
)


async def step(
    replicas: int, per_replica: int, batch_size: int, calls_in_flight: int, base_url: str
) -> float:
    """Messages/s with ``replicas`` embedder processes (a fresh database and vhost)."""
    account_id = 100 + replicas
    count = replicas * per_replica
    texts = support_messages(count, seed=replicas)
    async with private_stack("fake-embed") as stack:
        ids = await insert_messages(stack.database_url, texts, account_id)
        env = stack.env(
            embedding_provider="openai",
            embedding_model="fake-embed",
            openai_base_url=base_url,
            batch_size=str(batch_size),
            batch_wait_ms="20",
            embed_calls_in_flight=str(calls_in_flight),
        )
        with embedders(replicas, env):
            await wait_consumers(stack.amqp_url, replicas)
            started = time.perf_counter()
            await publish(stack.amqp_url, ids, account_id)
            await wait_ready(stack.database_url, account_id, count, timeout_s=3600)
            return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--per-replica", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--calls-in-flight", type=int, default=1)
    args = parser.parse_args()
    port = free_port()
    fake = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parley_embeddings.testing.fake_openai_server",
            "--port",
            str(port),
            "--latency-ms",
            str(args.latency_ms),
        ]
    )
    try:
        time.sleep(1.0)  # the fake binds its port
        base_url = f"http://127.0.0.1:{port}/v1"
        rates = {
            n: asyncio.run(
                step(n, args.per_replica, args.batch_size, args.calls_in_flight, base_url)
            )
            for n in args.replicas
        }
    finally:
        fake.terminate()
        fake.wait()
    single = rates[args.replicas[0]] / args.replicas[0]
    print(f"machine: {machine()} (shared with other jobs: absolute figures are noisy)")
    print(
        f"inputs: {args.per_replica} messages per replica, batch size {args.batch_size}, "
        f"{args.calls_in_flight} model call(s) in flight per replica, "
        f"fake embedding server at {args.latency_ms:.0f} ms per request"
    )
    print()
    print(f"{'replicas':>8}{'messages':>10}{'msg/s':>10}{'speed-up':>10}{'target':>8}{'':>6}")
    for n, rate in rates.items():
        speedup = rate / single
        target = 0.9 * n
        verdict = "met" if speedup >= target else "NOT met"
        print(
            f"{n:>8}{n * args.per_replica:>10}{rate:>10.1f}{speedup:>10.2f}{target:>8.1f}  {verdict}"
        )


if __name__ == "__main__":
    main()
