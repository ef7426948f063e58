"""Embedder throughput with the real local model against raw ``model.encode`` (same run).

    .venv/bin/python bench/embedder/throughput.py              # 1,000 messages
    .venv/bin/python bench/embedder/throughput.py --messages 5000

First the baseline: ``SentenceTransformer.encode`` on the same texts with the same batch
size, in this process. Then one embedder process (``faststream run parley_embedder.main:app``,
local provider) against a private embedded Postgres and RabbitMQ vhost: once it consumes,
every message is published as ``message.upserted.v1`` and the clock runs until every chunk
is ``ready``. Target: embedder ≥ 0.85x raw. The machine is shared; rely on the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from parley_embeddings.local import load_local_model
from stack import (
    embedders,
    free_port,
    insert_messages,
    machine,
    private_stack,
    publish,
    scrape,
    support_messages,
    wait_consumers,
    wait_ready,
)


def raw_rate(model: Any, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    return len(texts) / (time.perf_counter() - started)


async def embedder_rate(texts: list[str], texts_per_call: int) -> tuple[float, dict[str, float]]:
    """Messages/s from publish to all ready; the model's share of that time, its calls."""
    account_id = 1
    metrics_port = free_port()
    async with private_stack() as stack:
        ids = await insert_messages(stack.database_url, texts, account_id)
        env = stack.env(
            batch_size=str(texts_per_call),
            embedding_provider="local",
            metrics_port=str(metrics_port),
        )
        with embedders(1, env):
            await wait_consumers(stack.amqp_url, 1)
            started = time.perf_counter()
            await publish(stack.amqp_url, ids, account_id)
            await wait_ready(stack.database_url, account_id, len(ids), timeout_s=3600)
            seconds = time.perf_counter() - started
            model_seconds = scrape(metrics_port, "parley_embedder_embed_seconds_sum")
            calls = scrape(metrics_port, "parley_embedder_embed_seconds_count")
            texts_embedded = scrape(metrics_port, "parley_embedder_batch_texts_sum")
    model = {
        "busy": model_seconds / seconds,
        "calls": calls,
        "texts_per_call": texts_embedded / calls,
        "texts_per_s_in_call": texts_embedded / model_seconds,
    }
    return len(ids) / seconds, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64, help="model batch size")
    parser.add_argument(
        "--texts-per-call",
        type=int,
        default=64,
        help="the embedder's PARLEY_BATCH_SIZE, texts per model call (the local model encodes "
        "a call in length-sorted batches of 64)",
    )
    args = parser.parse_args()
    texts = support_messages(args.messages)
    model = load_local_model()
    model.encode(texts[: args.batch_size], batch_size=args.batch_size)  # warm-up
    tokens = sum(len(model.tokenizer.encode(t, add_special_tokens=False)) for t in texts)
    raw_before = raw_rate(model, texts, args.batch_size)
    pipeline, calls = asyncio.run(embedder_rate(texts, args.texts_per_call))
    raw_after = raw_rate(model, texts, args.batch_size)
    raw = (raw_before + raw_after) / 2
    print(f"machine: {machine()} (shared with other jobs: absolute figures are noisy)")
    print(
        f"inputs: {args.messages} messages, ~{tokens / len(texts):.0f} tokens each, "
        f"model batch size {args.batch_size}, embedder PARLEY_BATCH_SIZE {args.texts_per_call}"
    )
    print()
    print(f"{'run':<46}{'texts/s':>10}{'ratio':>8}")
    print(f"{'raw model.encode, before the embedder run':<46}{raw_before:>10.1f}")
    print(f"{'raw model.encode, after the embedder run':<46}{raw_after:>10.1f}")
    print(f"{'raw model.encode, mean (baseline)':<46}{raw:>10.1f}{1.0:>8.2f}")
    print(f"{'embedder: publish -> all chunks ready':<46}{pipeline:>10.1f}{pipeline / raw:>8.2f}")
    print(
        f"model busy during the embedder run: {calls['busy']:.0%} of the wall time, "
        f"{calls['calls']:.0f} calls, {calls['texts_per_call']:.1f} texts per call, "
        f"{calls['texts_per_s_in_call']:.1f} texts/s while a call runs"
    )
    print(f"target >= 0.85x raw: {'met' if pipeline / raw >= 0.85 else 'NOT met'}")


if __name__ == "__main__":
    main()
