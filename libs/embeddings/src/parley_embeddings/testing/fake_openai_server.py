"""A local OpenAI-compatible server for tests and benchmarks: embeddings and chat.

Real HTTP on a port of its own, speaking the documented ``POST /v1/embeddings`` shape:
request ``{"input": [...], "model": ..., "encoding_format": "float", "dimensions"?: n}``,
response ``{"object": "list", "data": [{"object": "embedding", "index": i, "embedding":
[...]}], "model": ..., "usage": {"prompt_tokens": n, "total_tokens": n}}`` and errors as
``{"error": {"message", "type", "param", "code"}}``. Vectors are deterministic per text.

``POST /v1/chat/completions`` answers with what ``state.chat`` (the fake model: the
request's messages → the reply's text) says: ``{"id", "object": "chat.completion",
"created", "model", "choices": [{"index": 0, "message": {"role": "assistant", "content"},
"finish_reason": "stop"}], "usage"}``; with ``"stream": true`` as server-sent events, one
``data: {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content":
…}}]}`` per word, then ``data: [DONE]`` (``stream_delay_s`` between chunks).

Knobs: a fixed latency per request, a queue of scripted failures (e.g. 429 with
``Retry-After``), an API key to demand and a maximum number of inputs per request.
Run it standalone with ``python -m parley_embeddings.testing.fake_openai_server --port N``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ScriptedFailure:
    status: int
    retry_after: str | None = None
    message: str = "scripted failure"


# The fake chat model: the request's messages → the assistant's reply.
ChatModel = Callable[[list[dict[str, Any]]], str]


@dataclass
class FakeServerState:
    dimension: int = 384
    latency_s: float = 0.0
    api_key: str | None = None
    max_inputs: int = 2048
    failures: deque[ScriptedFailure] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    chat: ChatModel | None = None  # None: chat completions answer 404
    stream_delay_s: float = 0.0
    # Set: a streamed reply sends its first chunk, then waits for this before the rest
    # (tests see a client read the first piece while the model is still "writing").
    stream_gate: threading.Event | None = None
    chat_requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0  # requests being answered right now
    most_in_flight: int = 0  # the most ever answered at once
    lock: threading.Lock = field(default_factory=threading.Lock)


def fake_vector(text: str, dimension: int) -> list[float]:
    """The unit vector the fake returns for ``text`` (same text, same vector)."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    vector = np.random.default_rng(seed).standard_normal(dimension)
    return [float(x) for x in vector / np.linalg.norm(vector)]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and benchmarks print their own output."""

    def do_POST(self) -> None:
        state = self.server.state
        with state.lock:
            state.in_flight += 1
            state.most_in_flight = max(state.most_in_flight, state.in_flight)
        try:
            self._answer(state)
        finally:
            with state.lock:
                state.in_flight -= 1

    def _answer(self, state: FakeServerState) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path = self.path.rstrip("/")
        if path not in ("/v1/embeddings", "/v1/chat/completions") or (
            path == "/v1/chat/completions" and state.chat is None
        ):
            self._error(404, "unknown path", "invalid_request_error")
            return
        if state.api_key is not None and self.headers.get("Authorization") != (
            f"Bearer {state.api_key}"
        ):
            self._error(401, "Incorrect API key provided", "invalid_request_error")
            return
        if state.latency_s:
            time.sleep(state.latency_s)
        with state.lock:
            failure = state.failures.popleft() if state.failures else None
        if failure is not None:
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            self._error(failure.status, failure.message, "rate_limit_exceeded", headers)
            return
        if path == "/v1/chat/completions":
            self._chat(state, json.loads(body))
        else:
            self._embed(state, json.loads(body))

    def _chat(self, state: FakeServerState, request: dict[str, Any]) -> None:
        messages = request.get("messages")
        if not isinstance(messages, list) or not messages or state.chat is None:
            self._error(400, "'messages' must be a non-empty array", "invalid_request_error")
            return
        with state.lock:
            state.chat_requests.append(request)
        reply = state.chat(messages)
        base = {"id": "chatcmpl-fake", "created": int(time.time()), "model": request.get("model")}
        if not request.get("stream"):
            tokens = len(reply.split())
            self._send(
                200,
                {
                    **base,
                    "object": "chat.completion",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": 0,
                        "completion_tokens": tokens,
                        "total_tokens": tokens,
                    },
                },
            )
            return
        pieces = [{"role": "assistant", "content": ""}] + [
            {"content": word} for word in _words(reply)
        ]
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for delta in pieces:
                chunk = {
                    **base,
                    "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                if state.stream_gate is not None and delta.get("content"):
                    state.stream_gate.wait(timeout=30)
                if state.stream_delay_s:
                    time.sleep(state.stream_delay_s)
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def _embed(self, state: FakeServerState, request: dict[str, Any]) -> None:
        inputs = request.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs or not all(inputs):
            self._error(400, "'input' must be a non-empty string or array", "invalid_request_error")
            return
        if len(inputs) > state.max_inputs:
            self._error(400, f"too many inputs (max {state.max_inputs})", "invalid_request_error")
            return
        dimension = int(request.get("dimensions") or state.dimension)
        with state.lock:
            state.requests.append(request)
        tokens = sum(len(text.split()) for text in inputs)
        self._send(
            200,
            {
                "object": "list",
                "data": [
                    {"object": "embedding", "index": i, "embedding": fake_vector(text, dimension)}
                    for i, text in enumerate(inputs)
                ],
                "model": request.get("model"),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )

    def _error(
        self, status: int, message: str, kind: str, headers: dict[str, str] | None = None
    ) -> None:
        error = {"message": message, "type": kind, "param": None, "code": None}
        self._send(status, {"error": error}, headers)

    def _send(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (timeout tests)


def _words(text: str) -> list[str]:
    """``text`` in pieces that join back to it: each word with the space before it."""
    words = text.split(" ")
    return [words[0], *(" " + word for word in words[1:])]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, state: FakeServerState) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state = state


class FakeOpenAIServer:
    """Serves in a background thread; use as a context manager."""

    def __init__(self, state: FakeServerState | None = None, *, port: int = 0) -> None:
        self.state = state or FakeServerState()
        self._server = _Server(port, self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def fail_next(self, *failures: ScriptedFailure) -> None:
        with self.state.lock:
            self.state.failures.extend(failures)

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--dimension", type=int, default=384)
    args = parser.parse_args()
    state = FakeServerState(dimension=args.dimension, latency_s=args.latency_ms / 1000)
    server = _Server(args.port, state)
    server.serve_forever()


if __name__ == "__main__":
    main()
