"""OpenVINO fp32, compiled from the ONNX export of the shipped weights."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from parley_embeddings.local_runtimes.minilm import MiniLmIdentity
from parley_embeddings.local_runtimes.tokens import PassTokenizer, Vectors, mean_pool_normalised


class OpenVinoEncoder(MiniLmIdentity):
    """One pass: tokenise (padded to the pass's longest text), run the graph, mean-pool and
    normalise.

    With one pass at a time the compiled model uses every core for it (lowest latency for
    a query). With ``parallel_passes`` workers it runs that many streams of one thread
    each, and every worker thread has its own infer request, so passes never wait for each
    other. Threads are not pinned to cores: on a machine shared with Postgres and the event
    loop a pinned thread would wait for its core instead of moving to a free one.
    """

    name = "openvino"

    def __init__(self, onnx_file: Path, model_dir: Path, *, parallel_passes: int = 1) -> None:
        import openvino

        self._tokenize = PassTokenizer(model_dir)
        config: dict[str, Any] = {"INFERENCE_PRECISION_HINT": "f32", "ENABLE_CPU_PINNING": False}
        if parallel_passes > 1:
            config |= {"NUM_STREAMS": parallel_passes, "INFERENCE_NUM_THREADS": parallel_passes}
        else:
            config |= {"PERFORMANCE_HINT": "LATENCY"}
        core = openvino.Core()
        self._compiled = core.compile_model(core.read_model(str(onnx_file)), "CPU", config)
        self._requests = threading.local()

    @property
    def max_seq_length(self) -> int:
        return self._tokenize.max_seq_length

    def worker_initializer(self) -> Callable[[], None] | None:
        return None

    def encode(self, texts: list[str]) -> Vectors:
        inputs = self._tokenize(texts)
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self._compiled.create_infer_request()
        hidden = request.infer(inputs)[0]
        return mean_pool_normalised(hidden, inputs["attention_mask"])
