"""Whether a started service can take work: HTTP services answer ``/readyz`` with 200; a
broker worker (the embedder, the suggestions process) is ready once it consumes from its
queue."""

from __future__ import annotations

import aio_pika
import httpx
from parley_broker import queue_state
from parley_schema.settings import ParleyBaseSettings

from parley_cli.services import ServiceSpec


async def consuming(amqp_url: str, queue: str) -> bool:
    connection = await aio_pika.connect(amqp_url)
    try:
        state = await queue_state(connection, queue)
    finally:
        await connection.close()
    return state is not None and state.consumers > 0


async def is_ready(spec: ServiceSpec, settings: ParleyBaseSettings) -> bool:
    port = spec.port(settings)
    if port is None:
        assert spec.consumes is not None, spec.name  # a broker worker names its queue
        return await consuming(str(settings.amqp_url), spec.consumes)
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            response = await client.get(f"http://127.0.0.1:{port}/readyz")
    except httpx.TransportError:
        return False
    return response.status_code == 200
