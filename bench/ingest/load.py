"""Load generator (its own process): POST signed ``message_created`` webhooks, print JSON.

Bodies are built and signed before the clock starts: each request carries a new message id,
a new ``X-Chatwoot-Delivery`` and a fresh signature, so ingest stores every one.

    python bench/ingest/load.py --url http://127.0.0.1:8001 --requests 5000 --concurrency 32 \
        --secret S --template services/ingest/tests/fixtures/02_message_created_incoming.json
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import httpx


def signed_requests(
    template: dict[str, Any], count: int, secret: str, first_id: int
) -> list[tuple[bytes, dict[str, str]]]:
    stamp = str(int(time.time()))
    prepared = []
    for index in range(count):
        # Spread over 1,000 conversations and contacts, as real traffic is.
        conversation = json.loads(json.dumps(template["conversation"]))
        conversation["id"] = 1 + index % 1000
        conversation["meta"]["sender"]["id"] = 10_000 + index % 1000
        body = json.dumps(
            template
            | {
                "id": first_id + index,
                "content": f"Load test message {index} 📦",
                "conversation": conversation,
            }
        ).encode()
        digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
        prepared.append(
            (
                body,
                {
                    "content-type": "application/json",
                    "x-chatwoot-signature": "sha256=" + digest.hexdigest(),
                    "x-chatwoot-timestamp": stamp,
                    "x-chatwoot-delivery": str(uuid.uuid4()),
                },
            )
        )
    return prepared


async def drive(
    url: str, prepared: list[tuple[bytes, dict[str, str]]], concurrency: int
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    next_index = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:

        async def worker() -> None:
            nonlocal next_index
            while next_index < len(prepared):
                body, headers = prepared[next_index]
                next_index += 1
                started = time.perf_counter()
                try:
                    response = await client.post(
                        "/v1/webhooks/chatwoot", content=body, headers=headers
                    )
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0  # timed out or the connection failed: counted as an error
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    accepted = statuses.get(200, 0)
    return {
        "requests": len(prepared),
        "accepted": accepted,
        "errors": len(prepared) - accepted,
        "seconds": elapsed,
        "per_second": accepted / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--template", type=Path, required=True)
    parser.add_argument("--first-id", type=int, default=1_000_000)
    args = parser.parse_args()
    template = json.loads(args.template.read_text())
    prepared = signed_requests(template, args.requests, args.secret, args.first_id)
    print(json.dumps(asyncio.run(drive(args.url, prepared, args.concurrency))))


if __name__ == "__main__":
    main()
