"""The ONNX export of the shipped weights, built once and cached under ``PARLEY_DATA_DIR``.

The export lives in ``<data_dir>/models/<model>/onnx-<key>/model.onnx``. The key hashes the
weights files and the versions of what turns them into a graph (torch's exporter and
transformers' model code), so new weights or a new exporter build a new export and never
reuse a stale one. Several replicas may start at once on one data directory: one builds
under a file lock while the others wait, the build happens in a temporary directory that is
renamed into place only when complete, so a reader never sees half a file, and a build
interrupted by a crash leaves only a temporary directory, removed by the next build.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import structlog
from filelock import FileLock
from parley_schema.errors import ConfigurationError

log = structlog.get_logger(__name__)

# Bump when the export itself changes (inputs, opset, attention implementation, wrapper).
EXPORT_REVISION = 1
OPSET = 17
# The files the graph is made of: the architecture and the weights. The tokenizer is not in
# the graph (it runs before it), so it is not part of the key.
WEIGHTS_FILES = ("config.json", "model.safetensors")
EXPORTER_PACKAGES = ("torch", "transformers")
ONNX_FILE = "model.onnx"
MANIFEST_FILE = "export.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "last_hidden_state"
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class ExportKey:
    weights_sha256: str
    exporter: dict[str, str]

    @property
    def digest(self) -> str:
        text = json.dumps(
            {
                "weights": self.weights_sha256,
                "exporter": self.exporter,
                "revision": EXPORT_REVISION,
            },
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def export_key(model_dir: Path) -> ExportKey:
    """What the export of ``model_dir`` depends on (reads the weights, imports nothing)."""
    digest = hashlib.sha256()
    for name in WEIGHTS_FILES:
        digest.update(name.encode() + b"\0")
        with (model_dir / name).open("rb") as weights:
            while block := weights.read(_HASH_CHUNK):
                digest.update(block)
    exporter = {package: metadata.version(package) for package in EXPORTER_PACKAGES}
    return ExportKey(weights_sha256=digest.hexdigest(), exporter=exporter)


def cached_onnx(model_dir: Path, cache_dir: Path) -> Path:
    """The ONNX file of the weights in ``model_dir``, exported into ``cache_dir`` unless an
    export with the same key is there already."""
    key = export_key(model_dir)
    target = cache_dir / f"onnx-{key.digest}"
    if (target / ONNX_FILE).is_file():
        return target / ONNX_FILE
    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(cache_dir / ".export.lock"):
        if not (target / ONNX_FILE).is_file():  # another process may have built it meanwhile
            _remove_leftovers(cache_dir)
            _build(model_dir, key, target)
            _remove_other_exports(cache_dir, keep=target)
    return target / ONNX_FILE


def _build(model_dir: Path, key: ExportKey, target: Path) -> None:
    scratch = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    scratch.mkdir()
    try:
        log.info("local_model_export_started", key=key.digest, directory=str(target))
        export_onnx(model_dir, scratch / ONNX_FILE)
        manifest = {
            "weights_sha256": key.weights_sha256,
            "exporter": key.exporter,
            "revision": EXPORT_REVISION,
            "opset": OPSET,
        }
        (scratch / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
        scratch.rename(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log.info("local_model_export_finished", key=key.digest)


def _remove_leftovers(cache_dir: Path) -> None:
    """Temporary directories of builds that died: under the lock no build is running."""
    for leftover in cache_dir.glob(".onnx-*.tmp"):
        shutil.rmtree(leftover, ignore_errors=True)


def _remove_other_exports(cache_dir: Path, *, keep: Path) -> None:
    for old in cache_dir.glob("onnx-*"):
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def export_onnx(model_dir: Path, destination: Path) -> None:
    """Export the bare transformer (token ids → token vectors) with dynamic batch and length.

    Needs torch and the ``onnx`` package (torch's exporter writes through it).
    """
    try:
        import onnx  # noqa: F401  (torch.onnx.export needs it; say so before loading torch)
    except ImportError:
        raise ConfigurationError(
            "exporting the local model to ONNX needs the onnx package "
            "(pip install 'parley-embeddings[export]'), or an export already in "
            "PARLEY_DATA_DIR (parley-prepare-local-model)"
        ) from None
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    # Eager attention: its graph applies the padding mask as arithmetic. SDPA's mask helpers
    # decide in Python whether a mask is needed, which the tracer would freeze for one input.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    wrapper = _keyword_call(model)
    # Two texts of different lengths, so the traced graph sees padding and both axes vary
    # (ids below any vocabulary's size: the values do not matter, only the shapes).
    input_ids = torch.tensor([[1, 2, 3, 4], [1, 2, 3, 0]], dtype=torch.long)
    attention_mask = (input_ids != 0).long()
    token_type_ids = torch.zeros_like(input_ids)
    axes = {0: "batch", 1: "tokens"}
    # The tracer warns about Python-level branches in transformers' code; the graph is
    # checked against torch by the fidelity test instead.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper,
            (input_ids, attention_mask, token_type_ids),
            str(destination),
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_axes={name: axes for name in (*INPUT_NAMES, OUTPUT_NAME)},
            opset_version=OPSET,
            dynamo=False,
        )


def _keyword_call(model: Any) -> Any:
    """A module that calls ``model`` with keyword arguments: transformers 5's BertModel needs
    them, torch's exporter passes positional ones."""
    import torch

    class KeywordCall(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            output = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return output.last_hidden_state

    return KeywordCall()
