"""Embedder throughput of each local model and runtime against torch MiniLM (same run, same
texts).

    .venv/bin/python bench/embedder/throughput.py              # 1,000 messages
    .venv/bin/python bench/embedder/throughput.py --messages 5000 --runtimes torch openvino
    .venv/bin/python bench/embedder/throughput.py --runtimes openvino --precisions auto f32
    .venv/bin/python bench/embedder/throughput.py --models google/universal-sentence-encoder-multilingual-3

What is compared: every catalogued model (``--models``, default all), each on every runtime
of ``PARLEY_LOCAL_MODEL_RUNTIME`` it honours (``--runtimes``; a model with a runtime of its
own runs on that), OpenVINO in each ``PARLEY_LOCAL_MODEL_PRECISION`` of ``--precisions``
(default both: ``auto``, the CPU's own default, and ``f32``). For each, on the same texts
with the same batch size, each timed before and after the embedders run, in a process of
its own (models in one process slow each other down: their thread pools compete):

- **raw encode**: the runtime alone on all its threads, one length-sorted pass after the
  other (for torch, ``SentenceTransformer.encode`` of all texts in one call), measured
  before the provider's workers exist (they set the runtime's threads to one);
- **provider alone**: the local provider, the embedder's arrangement (length-sorted passes
  on one-thread workers), no queue, no database;
- **count ms**: the model's ``count_tokens`` per text, which the embedder runs on its event
  loop while chunking.

The baseline is the faster of torch MiniLM's two, so no arrangement of the model can flatter
a ratio. Then, per model and runtime, one embedder process (``faststream run
parley_embedder.main:app``, local provider on it) against a private embedded Postgres
(vectors of the model's dimension) and RabbitMQ vhost: once it consumes, every message is
published as ``message.upserted.v1`` and the clock runs until every chunk is ``ready``.
Target: the default runtime's embedder at least 2x torch's embedder. The machine is shared;
rely on the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from parley_devstack.machine import free_port
from parley_devstack.machine import summary as machine
from parley_embedder.settings import EmbedderSettings
from parley_embeddings.catalogue import MINILM, MODELS, CatalogueModel, catalogue_model
from parley_embeddings.local import LocalProvider
from parley_embeddings.local_runtimes import LocalEncoder
from parley_embeddings.local_runtimes.torch_encoder import TorchEncoder
from parley_schema.settings import LocalModelPrecision, LocalModelRuntime
from stack import (
    embedders,
    insert_messages,
    private_stack,
    publish,
    scrape,
    support_messages,
    wait_consumers,
    wait_ready,
)

WARM_UP_TEXTS = 500
DEFAULT_RUNTIME = EmbedderSettings.model_fields["local_model_runtime"].default
DEFAULT_PRECISION = EmbedderSettings.model_fields["local_model_precision"].default


@dataclass(frozen=True)
class Subject:
    """A model on one runtime (None: a model with a runtime of its own), OpenVINO in one
    precision (None: the runtime has one)."""

    model: CatalogueModel
    runtime: LocalModelRuntime | None
    precision: LocalModelPrecision | None = None

    @property
    def label(self) -> str:
        short = self.model.name.rsplit("/", 1)[-1]
        if self.runtime is None:
            return short
        label = f"{short} on {self.runtime.value}"
        return f"{label} ({self.precision.value})" if self.precision else label

    def settings(self, **fields: object) -> EmbedderSettings:
        """The embedder's settings for it (the environment's, and ``fields``)."""
        chosen: dict[str, object] = {
            "embedding_model": self.model.name,
            "embedding_dim": self.model.dimension,
        }
        if self.runtime is not None:
            chosen["local_model_runtime"] = self.runtime
        if self.precision is not None:
            chosen["local_model_precision"] = self.precision
        return EmbedderSettings().model_copy(update=chosen | fields)

    def env(self) -> dict[str, str]:
        """The same as ``PARLEY_*`` settings, for an embedder process."""
        env = {"embedding_model": self.model.name, "embedding_dim": str(self.model.dimension)}
        if self.runtime is not None:
            env["local_model_runtime"] = self.runtime.value
        if self.precision is not None:
            env["local_model_precision"] = self.precision.value
        return env


BASELINE = Subject(MINILM, LocalModelRuntime.TORCH)


def subjects(
    models: list[CatalogueModel],
    runtimes: list[LocalModelRuntime],
    precisions: list[LocalModelPrecision],
) -> list[Subject]:
    """The baseline first, then every model on each of ``runtimes`` it honours (OpenVINO in
    each of ``precisions``)."""
    chosen = [BASELINE]
    for model in models:
        for runtime in (r for r in runtimes if r in model.runtimes):
            if runtime is LocalModelRuntime.OPENVINO:
                chosen += [Subject(model, runtime, p) for p in precisions]
            else:
                chosen.append(Subject(model, runtime))
        if not model.runtimes:
            chosen.append(Subject(model, None))
    return list(dict.fromkeys(chosen))


@dataclass
class Measured:
    subject: Subject
    raw: list[float] = field(default_factory=list)
    alone: list[float] = field(default_factory=list)
    pipeline: float = 0.0
    tokens: float = 0.0
    count_ms: float = 0.0
    ran_as: str = ""  # the precision OpenVINO chose ("" for the other runtimes)
    calls: dict[str, float] = field(default_factory=dict)


def raw_rate(encoder: LocalEncoder, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    if isinstance(encoder, TorchEncoder):
        encoder.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
    else:
        by_length = sorted(texts, key=len)
        for start in range(0, len(texts), batch_size):
            encoder.encode(by_length[start : start + batch_size])
    return len(texts) / (time.perf_counter() - started)


def provider_rate(provider: LocalProvider, texts: list[str]) -> float:
    started = time.perf_counter()
    asyncio.run(provider.embed(texts))
    return len(texts) / (time.perf_counter() - started)


async def embedder_rate(
    texts: list[str], subject: Subject, texts_per_call: int, model_batch_size: int
) -> tuple[float, dict[str, float]]:
    """Messages/s from publish to all ready; the model's share of that time, its calls."""
    account_id = 1
    metrics_port = free_port()
    async with private_stack(subject.model.name, embedding_dim=subject.model.dimension) as stack:
        ids = await insert_messages(stack.database_url, texts, account_id)
        env = stack.env(
            batch_size=str(texts_per_call),
            embedding_provider="local",
            local_model_batch_size=str(model_batch_size),
            metrics_port=str(metrics_port),
            **subject.env(),
        )
        with embedders(1, env):
            await wait_consumers(stack.amqp_url, 1, timeout_s=300)
            started = time.perf_counter()
            await publish(stack.amqp_url, ids, account_id)
            await wait_ready(stack.database_url, account_id, len(ids), timeout_s=3600)
            seconds = time.perf_counter() - started
            model_seconds = scrape(metrics_port, "parley_embedder_embed_seconds_sum")
            calls = scrape(metrics_port, "parley_embedder_embed_seconds_count")
            texts_embedded = scrape(metrics_port, "parley_embedder_batch_texts_sum")
    model = {
        "in_flight": model_seconds / seconds,
        "calls": calls,
        "texts_per_call": texts_embedded / calls,
    }
    return len(ids) / seconds, model


def model_rates_here(subject: Subject, messages: int, batch_size: int) -> None:
    """Raw, provider-alone and token-counting rates of ``subject`` in this process, as one
    JSON line. Raw encode runs first: the provider's workers set the runtime's threads."""
    texts = support_messages(messages)
    settings = subject.settings(local_model_batch_size=batch_size)
    # Warm-up long enough that the first timed run is not slower than the second.
    encoder = subject.model.load(settings.model_copy(update={"local_model_workers": 1})).encoder
    raw_rate(encoder, texts[:WARM_UP_TEXTS], batch_size)
    raw = raw_rate(encoder, texts, batch_size)
    provider = subject.model.load(settings)
    provider_rate(provider, texts[:WARM_UP_TEXTS])
    alone = provider_rate(provider, texts)
    started = time.perf_counter()
    tokens = sum(provider.count_tokens(t) for t in texts) / len(texts)
    count_ms = (time.perf_counter() - started) * 1000 / len(texts)
    ran_as = getattr(encoder, "precision_used", "")
    rates = {"raw": raw, "alone": alone, "tokens": tokens, "count_ms": count_ms, "ran_as": ran_as}
    sys.stdout.write(json.dumps(rates) + "\n")


def rates_in_own_process(subject: Subject, messages: int, batch_size: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--messages", str(messages)]
    command += ["--batch-size", str(batch_size), "--model-rates-of", subject.model.name]
    if subject.runtime is not None:
        command += ["--runtimes", subject.runtime.value]
    if subject.precision is not None:
        command += ["--precisions", subject.precision.value]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rates: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument(
        "--model-rates-of",
        type=catalogue_model,
        help="internal: print this model's raw and provider-alone rates (on the first of "
        "--runtimes it honours) and exit",
    )
    parser.add_argument(
        "--models",
        type=catalogue_model,
        nargs="+",
        default=list(MODELS.values()),
        help="catalogued models to compare (torch MiniLM is always measured: the baseline)",
    )
    parser.add_argument(
        "--runtimes",
        type=LocalModelRuntime,
        nargs="+",
        default=list(LocalModelRuntime),
        help="runtimes to compare, for the models that honour PARLEY_LOCAL_MODEL_RUNTIME",
    )
    parser.add_argument(
        "--precisions",
        type=LocalModelPrecision,
        nargs="+",
        default=list(LocalModelPrecision),
        help="OpenVINO's precisions to compare (PARLEY_LOCAL_MODEL_PRECISION)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=EmbedderSettings.model_fields["local_model_batch_size"].default,
        help="texts per forward pass, for the baselines and the embedder "
        "(PARLEY_LOCAL_MODEL_BATCH_SIZE); default: the setting's default",
    )
    parser.add_argument(
        "--texts-per-call",
        type=int,
        default=64,
        help="the embedder's PARLEY_BATCH_SIZE, texts per model call (the local model runs "
        "a call in length-sorted passes of --batch-size texts)",
    )
    args = parser.parse_args()
    if args.model_rates_of is not None:
        subject = subjects([args.model_rates_of], args.runtimes[:1], args.precisions[:1])[-1]
        model_rates_here(subject, args.messages, args.batch_size)
        return
    texts = support_messages(args.messages)
    settings = EmbedderSettings()
    workers = settings.local_model_workers
    measured = {s: Measured(s) for s in subjects(args.models, args.runtimes, args.precisions)}

    def model_rates() -> None:
        for subject, m in measured.items():
            rates = rates_in_own_process(subject, args.messages, args.batch_size)
            m.raw.append(rates["raw"])
            m.alone.append(rates["alone"])
            m.tokens, m.count_ms, m.ran_as = rates["tokens"], rates["count_ms"], rates["ran_as"]

    model_rates()
    for subject, m in measured.items():
        m.pipeline, m.calls = asyncio.run(
            embedder_rate(texts, subject, args.texts_per_call, args.batch_size)
        )
    model_rates()

    torch = measured[BASELINE]
    baseline = max(sum(torch.raw) / 2, sum(torch.alone) / 2)
    print(f"machine: {machine()} (shared with other jobs: absolute figures are noisy)")
    print(
        f"inputs: {args.messages} messages, ~{torch.tokens:.0f} MiniLM tokens each, model batch size "
        f"{args.batch_size}, embedder PARLEY_BATCH_SIZE {args.texts_per_call}, {workers} model "
        f"workers (PARLEY_LOCAL_MODEL_WORKERS), PARLEY_EMBED_CALLS_IN_FLIGHT "
        f"{settings.embed_calls_in_flight}"
    )
    print(
        f"baseline: {BASELINE.label}, the faster of raw model.encode (one call, torch's "
        f"threads) and the provider alone ({workers} workers of one thread, no queue, no "
        f"database): {baseline:.1f} texts/s"
    )
    print()
    print(f"{'run':<80}{'texts/s':>10}{'vs torch':>10}")
    for m in measured.values():
        for kind, rates in (("raw encode", m.raw), ("provider alone", m.alone)):
            for when, rate in zip(("before", "after"), rates, strict=True):
                label = f"{m.subject.label}: {kind}, {when} the embedders"
                print(f"{label:<80}{rate:>10.1f}{rate / baseline:>10.2f}")
    print()
    print(
        f"{'token counting (count_tokens, event loop)':<60}{'tokens/text':>12}{'ms/text':>10}"
        f"{'computed in':>13}"
    )
    for m in measured.values():
        print(f"{m.subject.label:<60}{m.tokens:>12.1f}{m.count_ms:>10.3f}{m.ran_as or '-':>13}")
    print()
    print(
        f"{'embedder: publish -> all chunks ready':<60}{'texts/s':>10}{'vs torch':>10}"
        f"{'vs torch embedder':>19}{'vs own alone':>14}{'calls':>7}{'texts/call':>12}"
    )
    for m in measured.values():
        own = max(sum(m.raw) / 2, sum(m.alone) / 2)
        print(
            f"{m.subject.label:<60}{m.pipeline:>10.1f}{m.pipeline / baseline:>10.2f}"
            f"{m.pipeline / torch.pipeline:>19.2f}{m.pipeline / own:>14.2f}"
            f"{m.calls['calls']:>7.0f}{m.calls['texts_per_call']:>12.1f}"
        )
    default = subjects([MINILM], [DEFAULT_RUNTIME], [DEFAULT_PRECISION])[-1]
    if default in measured and default != BASELINE:
        ratio = measured[default].pipeline / torch.pipeline
        verdict = "met" if ratio >= 2 else "NOT met"
        print(f"target: the default ({default.label}) embedder >= 2x torch's: {verdict}")


if __name__ == "__main__":
    main()
