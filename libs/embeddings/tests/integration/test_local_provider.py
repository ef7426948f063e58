"""The local model, loaded offline from the package on the configured runtime, and the chunker
on its tokenizer."""

from __future__ import annotations

import math

import pytest
from parley_embeddings.chunking import Chunker
from parley_embeddings.local import LOCAL_DIMENSION, LocalProvider
from parley_embeddings.local_runtimes import model_dir
from transformers import AutoTokenizer


@pytest.fixture(scope="module")
def provider() -> LocalProvider:
    return LocalProvider()


async def test_vectors_are_normalised_and_similar_texts_are_close(provider: LocalProvider) -> None:
    refund, money_back, printer = await provider.embed(
        ["I want a refund for my order", "Can I get my money back?", "The printer is jammed"]
    )
    assert len(refund) == LOCAL_DIMENSION
    assert math.isclose(sum(x * x for x in refund), 1.0, rel_tol=1e-5)

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(refund, money_back) > cosine(refund, printer) + 0.2


async def test_parallel_passes_return_each_texts_own_vector_in_order(
    provider: LocalProvider,
) -> None:
    texts = [
        "Where is my parcel? It was due on Monday and the tracking page has not changed.",
        "Thanks!",
        "How do I reset my password?",
        "ok",
        "The invoice shows the wrong VAT number, can you send a corrected one?",
    ]
    one_at_a_time = [(await provider.embed([text]))[0] for text in texts]
    parallel = LocalProvider(batch_size=2, workers=2)
    for vector, expected in zip(await parallel.embed(texts), one_at_a_time, strict=True):
        assert all(math.isclose(a, b, abs_tol=1e-5) for a, b in zip(vector, expected, strict=True))


def test_token_counts_are_wordpiece_tokens(provider: LocalProvider) -> None:
    assert provider.count_tokens("hello world") == 2
    assert provider.count_tokens("unbelievably") > 1


async def test_a_long_text_is_counted_in_full_even_after_the_model_truncated_one(
    provider: LocalProvider,
) -> None:
    text = "The parcel with order number 4471 never arrived, please refund it. " * 150
    await provider.embed([text])  # encode truncates to the model's maximum length
    reference = AutoTokenizer.from_pretrained(str(model_dir()))
    in_full = len(reference.encode(text, add_special_tokens=False))
    limit = provider.encoder.max_seq_length
    assert limit is not None
    assert in_full > 4 * limit
    assert provider.count_tokens(text) == in_full


def test_chunks_of_a_long_ticket_fit_the_model_and_keep_every_word(
    provider: LocalProvider,
) -> None:
    paragraph = (
        "The customer reports that the invoice INV-2024-0042 was charged twice. "
        "They attached a screenshot of the bank statement! Could we refund one charge? "
    )
    text = "\n\n".join(paragraph * 3 for _ in range(6))
    chunks = Chunker(provider.count_tokens, max_tokens=64, overlap_tokens=0).split(text)
    assert len(chunks) > 1
    assert all(c.tokens == provider.count_tokens(c.text) <= 64 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == text.split()
