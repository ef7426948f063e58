"""A local HTTP server for a fake of something outside this machine (Chatwoot's REST API)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from parley_testing.postgres import free_port

START_TIMEOUT_S = 10.0


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The ASGI ``app`` over real HTTP on a free loopback port, its base URL for the block."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the fake did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
