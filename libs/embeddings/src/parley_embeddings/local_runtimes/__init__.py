"""Runtimes of the local model (``PARLEY_LOCAL_MODEL_RUNTIME``): torch, the reference, and
OpenVINO compiled from an ONNX export of the same weights (the default: the same vectors to
a cosine of 0.9999, a few times faster on a small CPU; in the CPU's own default precision
unless ``PARLEY_LOCAL_MODEL_PRECISION=f32``; see ``bench/embedder``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from parley_schema.settings import LocalModelPrecision, LocalModelRuntime

from parley_embeddings.local_runtimes.minilm import (
    LOCAL_DIMENSION,
    LOCAL_MODEL_NAME,
    model_dir,
)
from parley_embeddings.local_runtimes.tokens import Vectors

__all__ = [
    "LOCAL_DIMENSION",
    "LOCAL_MODEL_NAME",
    "LocalEncoder",
    "cache_dir",
    "load_encoder",
    "model_dir",
    "prepare",
]

# Under PARLEY_DATA_DIR: the exports of the shipped all-MiniLM-L6-v2 weights.
CACHE_SUBDIR = Path("models") / "all-minilm-l6-v2"


class LocalEncoder(Protocol):
    """Runs one pass of a model on this machine: normalised float32 vectors, one row per
    text. ``name`` is the runtime; ``model_name`` what its vectors are recorded under;
    ``max_seq_length`` the tokens it reads of a text (None: all of them)."""

    @property
    def name(self) -> str: ...

    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_seq_length(self) -> int | None: ...

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text`` (without special tokens), never truncated."""
        ...

    def worker_initializer(self) -> Callable[[], None] | None:
        """Run once in each worker thread before its first pass, if anything."""
        ...

    def encode(self, texts: list[str]) -> Vectors: ...


def cache_dir(data_dir: Path) -> Path:
    return data_dir / CACHE_SUBDIR


def prepare(runtime: LocalModelRuntime, *, data_dir: Path) -> Path | None:
    """Build what ``runtime`` needs before its first start (the ONNX export); its path."""
    if runtime is LocalModelRuntime.TORCH:
        return None
    from parley_embeddings.local_runtimes.export import cached_onnx

    return cached_onnx(model_dir(), cache_dir(data_dir))


def load_encoder(
    runtime: LocalModelRuntime,
    *,
    data_dir: Path,
    parallel_passes: int = 1,
    precision: LocalModelPrecision = LocalModelPrecision.AUTO,
) -> LocalEncoder:
    """The encoder of ``runtime``; ``parallel_passes`` passes will run at once; ``precision``
    is OpenVINO's (torch runs fp32)."""
    if runtime is LocalModelRuntime.OPENVINO:
        from parley_embeddings.local_runtimes.export import cached_onnx
        from parley_embeddings.local_runtimes.openvino_encoder import OpenVinoEncoder

        onnx_file = cached_onnx(model_dir(), cache_dir(data_dir))
        return OpenVinoEncoder(
            onnx_file, model_dir(), parallel_passes=parallel_passes, precision=precision
        )
    from parley_embeddings.local_runtimes.torch_encoder import TorchEncoder

    return TorchEncoder(parallel_passes=parallel_passes)
