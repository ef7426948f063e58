"""Every local runtime, in each precision, gives the vectors torch fp32 gives, on a fixed
sample.

Figures (in pytest's warnings summary, as ``UserWarning: fidelity figures: …``): the mean and
minimum cosine of each runtime to torch over the sample, and the precision it computed in
(``auto`` is the CPU's own default: bf16 on one with AMX, fp32 on most others).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from parley_embeddings.local import LOCAL_DIMENSION, LocalProvider
from parley_embeddings.local_runtimes import LocalEncoder, load_encoder
from parley_embeddings.local_runtimes.torch_encoder import TorchEncoder
from parley_schema.settings import LocalModelPrecision, LocalModelRuntime
from parley_simulator.corpus import build_corpus

MIN_COSINE = 0.99
# Every runtime but torch, in every precision it has.
FASTER_RUNTIMES = [
    pytest.param(runtime, precision, id=f"{runtime.value}-{precision.value}")
    for runtime in LocalModelRuntime
    if runtime is not LocalModelRuntime.TORCH
    for precision in LocalModelPrecision
]


def fixed_sample() -> list[str]:
    """The demo corpus's messages (English, German, Spanish, French support chat), plus
    the edge cases of tokenisation: one token, empty of words, past the 256-token limit."""
    corpus = build_corpus()
    texts = sorted({m.content for m in corpus.final_messages.values() if m.content.strip()})
    long_ticket = "The parcel with order number 4471 never arrived, please refund it. " * 40
    return [*texts, "ok", "?!", "🙂", long_ticket, long_ticket[:300]]


@pytest.fixture(scope="module")
def torch_encoder() -> TorchEncoder:
    return TorchEncoder()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("parley-data")


def encode_in_passes(encoder: LocalEncoder, texts: list[str], size: int = 16) -> np.ndarray:
    """Passes of mixed lengths (in sample order), so padding inside a pass is exercised."""
    return np.concatenate([encoder.encode(texts[i : i + size]) for i in range(0, len(texts), size)])


@pytest.mark.parametrize(("runtime", "precision"), FASTER_RUNTIMES)
def test_runtime_matches_torch_on_every_text_of_the_sample(
    runtime: LocalModelRuntime,
    precision: LocalModelPrecision,
    torch_encoder: TorchEncoder,
    data_dir: Path,
) -> None:
    texts = fixed_sample()
    assert len(texts) > 200
    encoder = load_encoder(runtime, data_dir=data_dir, precision=precision)
    reference = encode_in_passes(torch_encoder, texts)
    vectors = encode_in_passes(encoder, texts)
    assert vectors.shape == (len(texts), LOCAL_DIMENSION)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    cosines = (vectors * reference).sum(axis=1)
    warnings.warn(
        f"fidelity figures: {runtime.value} {precision.value} (computed in "
        f"{getattr(encoder, 'precision_used', '?')}) vs torch fp32 on {len(texts)} texts: cosine mean "
        f"{cosines.mean():.6f}, min {cosines.min():.6f}",
        UserWarning,
        stacklevel=1,
    )
    worst = [(texts[i][:60], float(cosines[i])) for i in np.argsort(cosines)[:3]]
    assert cosines.min() >= MIN_COSINE, worst


@pytest.mark.parametrize(("runtime", "precision"), FASTER_RUNTIMES)
def test_a_text_gets_the_same_vector_alone_or_padded_in_a_pass(
    runtime: LocalModelRuntime, precision: LocalModelPrecision, data_dir: Path
) -> None:
    encoder = load_encoder(runtime, data_dir=data_dir, precision=precision)
    short = "How do I reset my password?"
    padded = encoder.encode([short, "The invoice shows the wrong VAT number. " * 12])[0]
    np.testing.assert_allclose(padded, encoder.encode([short])[0], atol=1e-5)


@pytest.mark.parametrize(("runtime", "precision"), FASTER_RUNTIMES)
async def test_parallel_workers_give_each_text_its_own_vector(
    runtime: LocalModelRuntime,
    precision: LocalModelPrecision,
    torch_encoder: TorchEncoder,
    data_dir: Path,
) -> None:
    texts = fixed_sample()[:40]
    encoder = load_encoder(runtime, data_dir=data_dir, parallel_passes=2, precision=precision)
    provider = LocalProvider(encoder, batch_size=4, workers=2)
    reference = torch_encoder.encode(texts)
    vectors = np.array(await provider.embed(texts))
    assert ((vectors * reference).sum(axis=1) >= MIN_COSINE).all()
