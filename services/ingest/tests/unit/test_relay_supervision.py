"""The relay's loops outlive every error: an unexpected one is retried, not fatal.

A relay task that died would leave the outbox undrained while webhooks keep answering 200;
aio-pika raises plain ``RuntimeError``s ("Connection is not ready", a closed channel) when the
broker closes a connection at the wrong moment.
"""

from __future__ import annotations

import asyncio

import pytest
from parley_ingest.outbox.relay import keep_connected
from parley_schema.retrying import Backoff

FAST = Backoff(base_s=0.001, max_s=0.001)


class Connection:
    def __init__(self) -> None:
        self.closed = False

    async def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    "error",
    [RuntimeError("Connection is not ready"), ConnectionResetError(), ValueError("a bug")],
    ids=["unexpected-runtime-error", "expected-outage", "any-other-error"],
)
async def test_a_failure_while_serving_reconnects_and_serves_again(error: Exception) -> None:
    stopping = asyncio.Event()
    connections: list[Connection] = []
    failures: list[None] = []

    async def connect() -> Connection:
        connections.append(Connection())
        return connections[-1]

    async def serve(connection: Connection) -> None:
        if len(connections) == 1:
            raise error
        stopping.set()

    await asyncio.wait_for(
        keep_connected(
            connect,
            serve,
            expected=(OSError,),
            backoff=FAST,
            stopping=stopping,
            retrying_event="test_retrying",
            on_failure=lambda: failures.append(None),
        ),
        timeout=5,
    )
    assert len(connections) == 2
    assert all(connection.closed for connection in connections)
    assert len(failures) == 1


async def test_a_connection_that_fails_to_close_does_not_end_the_loop() -> None:
    stopping = asyncio.Event()
    attempts = 0

    class Unclosable(Connection):
        async def close(self) -> None:
            raise RuntimeError("Connection was not opened")

    async def connect() -> Connection:
        nonlocal attempts
        attempts += 1
        if attempts == 2:
            stopping.set()
        return Unclosable()

    async def serve(connection: Connection) -> None:
        raise ConnectionResetError

    await asyncio.wait_for(
        keep_connected(
            connect, serve, expected=(OSError,), backoff=FAST, stopping=stopping, retrying_event="t"
        ),
        timeout=5,
    )
    assert attempts == 2
