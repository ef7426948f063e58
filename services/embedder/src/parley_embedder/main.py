"""The FastStream app ``parley up`` runs: ``faststream run parley_embedder.main:app``.

Settings are read in the startup hook (not at import); the broker is created there and
handed to the app, which then starts it.
"""

from __future__ import annotations

import asyncio

import structlog
from faststream import FastStream
from parley_schema.logging import configure
from prometheus_client import start_http_server

from parley_embedder.runtime import EmbedderRuntime, provider_from
from parley_embedder.settings import get_settings

log = structlog.get_logger(__name__)
app = FastStream()
_runtime: list[EmbedderRuntime] = []  # the one runtime of this process, set at startup


@app.on_startup
async def build() -> None:
    settings = get_settings()
    configure(settings, service="embedder")
    provider = await asyncio.to_thread(provider_from, settings)  # loads the model
    runtime = EmbedderRuntime.build(settings, provider)
    _runtime.append(runtime)
    await runtime.before_broker_start()
    app.add_broker(runtime.broker)
    if settings.metrics_port:
        try:
            start_http_server(settings.metrics_port, addr=settings.metrics_host)
        except OSError as error:  # e.g. a second replica on this host with the default port
            log.warning("metrics_unavailable", port=settings.metrics_port, error=str(error))


@app.after_startup
async def started() -> None:
    await _runtime[0].after_broker_start()


@app.on_shutdown
async def stopping() -> None:
    await _runtime[0].before_broker_stop()


@app.after_shutdown
async def stopped() -> None:
    await _runtime[0].after_broker_stop()
