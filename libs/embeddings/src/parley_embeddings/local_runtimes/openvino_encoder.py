"""OpenVINO, compiled from the ONNX export of the shipped weights."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog
from parley_schema.settings import LocalModelPrecision

from parley_embeddings.local_runtimes.minilm import MiniLmIdentity
from parley_embeddings.local_runtimes.tokens import PassTokenizer, Vectors, mean_pool_normalised

log = structlog.get_logger(__name__)


class OpenVinoEncoder(MiniLmIdentity):
    """One pass: tokenise (padded to the pass's longest text), run the graph, mean-pool and
    normalise.

    With one pass at a time the compiled model uses every core for it (lowest latency for
    a query). With ``parallel_passes`` workers it runs that many streams of one thread
    each, and every worker thread has its own infer request, so passes never wait for each
    other. Threads are not pinned to cores: on a machine shared with Postgres and the event
    loop a pinned thread would wait for its core instead of moving to a free one.

    ``precision`` ``auto`` leaves the arithmetic to OpenVINO's default for the CPU (bf16 on
    one with AMX; layer norms and softmax stay fp32); ``precision_used`` says what it chose.
    """

    name = "openvino"

    def __init__(
        self,
        onnx_file: Path,
        model_dir: Path,
        *,
        parallel_passes: int = 1,
        precision: LocalModelPrecision = LocalModelPrecision.AUTO,
    ) -> None:
        import openvino

        self._tokenize = PassTokenizer(model_dir)
        config: dict[str, Any] = {"ENABLE_CPU_PINNING": False}
        if precision is LocalModelPrecision.F32:
            config["INFERENCE_PRECISION_HINT"] = "f32"
        if parallel_passes > 1:
            config |= {"NUM_STREAMS": parallel_passes, "INFERENCE_NUM_THREADS": parallel_passes}
        else:
            config |= {"PERFORMANCE_HINT": "LATENCY"}
        core = openvino.Core()
        self._compiled = core.compile_model(core.read_model(str(onnx_file)), "CPU", config)
        self._requests = threading.local()
        self.precision_used = self._compiled.get_property("INFERENCE_PRECISION_HINT").to_string()
        # One pass here, in the loading thread, before workers run passes at once: the first
        # pass initialises static state of OpenVINO's Python bindings (the numpy bridge of
        # a request's tensors), and two workers making their first pass together can
        # deadlock on it (seen in bench/embedder: both workers stuck in
        # `update_inputs`, one in a static guard, the other waiting for the GIL).
        self.encode(["warm-up"])
        log.info("local_model_compiled", runtime=self.name, precision=self.precision_used)

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
