"""The ONNX export cache: built once, reused, rebuilt when the weights change, safe when
several replicas start on one data directory at once.

A tiny BERT saved with transformers stands in for the shipped weights (same files, same
exporter, a second to export); the graphs it produces run on OpenVINO and are compared with
torch.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from parley_embeddings.local_runtimes.export import (
    MANIFEST_FILE,
    ExportKey,
    cached_onnx,
    export_key,
)
from transformers import BertConfig, BertModel

REPLICAS = 4


def save_tiny_bert(directory: Path, *, seed: int) -> BertModel:
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=64,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
    )
    model = BertModel(config)
    model.eval()  # type: ignore[no-untyped-call]
    model.save_pretrained(directory)
    return model


def hidden_states_of(onnx_file: Path, ids: np.ndarray) -> np.ndarray:
    import openvino

    core = openvino.Core()
    compiled = core.compile_model(core.read_model(str(onnx_file)), "CPU")
    inputs = {
        "input_ids": ids,
        "attention_mask": (ids != 0).astype(np.int64),
        "token_type_ids": np.zeros_like(ids),
    }
    return np.asarray(compiled.create_infer_request().infer(inputs)[0])


def torch_hidden_states(model: BertModel, ids: np.ndarray) -> np.ndarray:
    tensor = torch.from_numpy(ids)
    with torch.no_grad():
        output = model(input_ids=tensor, attention_mask=(tensor != 0).long())
    hidden: np.ndarray = output.last_hidden_state.numpy()
    return hidden


IDS = np.array([[2, 5, 9, 11, 3], [2, 7, 3, 0, 0]], dtype=np.int64)


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    directory = tmp_path / "weights"
    save_tiny_bert(directory, seed=1)
    return directory


def test_the_export_is_built_once_and_reused(weights: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = cached_onnx(weights, cache)
    built_at = first.stat().st_mtime_ns
    again = cached_onnx(weights, cache)
    assert again == first
    assert again.stat().st_mtime_ns == built_at
    assert (first.parent / MANIFEST_FILE).is_file()


def test_new_weights_build_a_new_export_that_runs_them(weights: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    old = cached_onnx(weights, cache)
    new_model = save_tiny_bert(weights, seed=2)
    new = cached_onnx(weights, cache)
    assert new != old
    assert not old.exists()  # the stale export is removed
    np.testing.assert_allclose(
        hidden_states_of(new, IDS)[IDS != 0],
        torch_hidden_states(new_model, IDS)[IDS != 0],
        atol=1e-4,
    )


def test_the_key_names_the_weights_and_the_exporter_versions(weights: Path) -> None:
    key = export_key(weights)
    assert set(key.exporter) == {"torch", "transformers"}
    assert key.exporter["torch"].startswith(torch.__version__.split("+")[0])
    other_torch = ExportKey(key.weights_sha256, {**key.exporter, "torch": "0.0.1"})
    assert other_torch.digest != key.digest
    other_weights = ExportKey("0" * 64, key.exporter)
    assert other_weights.digest != key.digest


def test_a_failed_export_leaves_nothing_behind(weights: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (weights / "config.json").write_text('{"model_type": "bert", "hidden_size": 15}')
    with pytest.raises(ValueError, match="hidden"):
        cached_onnx(weights, cache)
    assert [p.name for p in cache.iterdir()] == [".export.lock"]


def test_a_crashed_builds_leftovers_are_removed_by_the_next_build(
    weights: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    leftover = cache / ".onnx-0123456789abcdef.deadbeef.tmp"
    leftover.mkdir(parents=True)
    (leftover / "model.onnx").write_bytes(b"half a graph")
    cached_onnx(weights, cache)
    assert not leftover.exists()


# What each replica's start does with the cache, in a process of its own.
REPLICA_START = (
    "import sys; from pathlib import Path; "
    "from parley_embeddings.local_runtimes.export import cached_onnx; "
    "print(cached_onnx(Path(sys.argv[1]), Path(sys.argv[2])))"
)


def test_replicas_starting_at_once_share_one_complete_export(weights: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    replicas = [
        subprocess.Popen(
            [sys.executable, "-c", REPLICA_START, str(weights), str(cache)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(REPLICAS)
    ]
    outputs = [replica.communicate(timeout=240)[0] for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0] * REPLICAS
    paths = [output.strip().splitlines()[-1] for output in outputs]
    assert len(set(paths)) == 1
    assert sorted(p.name for p in cache.iterdir()) == [".export.lock", Path(paths[0]).parent.name]
    model = BertModel.from_pretrained(weights)
    model.eval()  # type: ignore[no-untyped-call]
    np.testing.assert_allclose(
        hidden_states_of(Path(paths[0]), IDS)[IDS != 0],
        torch_hidden_states(model, IDS)[IDS != 0],
        atol=1e-4,
    )
    shutil.rmtree(cache)
