"""The FastStream app ``parley up`` runs: ``faststream run parley_embedder.main:app``.

The lifespan builds the process's one ``EmbedderRuntime`` from settings (nothing is built at
import), declares the topology and hands FastStream the runtime's broker, which FastStream
then starts and stops. The runtime reaches the two hooks around that through the app's
context (``deps.RuntimeDep``), so the module keeps no state of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from faststream import Context, ContextRepo, FastStream
from parley_schema.logging import configure

from parley_embedder import metrics
from parley_embedder.deps import RUNTIME, RuntimeDep
from parley_embedder.runtime import EmbedderRuntime, provider_from
from parley_embedder.settings import get_settings


@asynccontextmanager
async def lifespan(
    app: Annotated[FastStream, Context("app")], context: ContextRepo
) -> AsyncIterator[None]:
    """Build and register the runtime; close it after FastStream has stopped the broker."""
    settings = get_settings()
    configure(settings, service="embedder")
    provider = await asyncio.to_thread(provider_from, settings)  # loads the model
    runtime = EmbedderRuntime.build(settings, provider)
    try:
        await runtime.before_broker_start()
        app.add_broker(runtime.broker)
        context.set_global(RUNTIME, runtime)
        metrics.serve(settings)
        yield
    finally:
        context.reset_global(RUNTIME)
        await runtime.after_broker_stop()


app = FastStream(lifespan=lifespan)


@app.after_startup
async def start_sweeper(runtime: RuntimeDep) -> None:
    await runtime.after_broker_start()


@app.on_shutdown
async def stop_sweeper(runtime: RuntimeDep) -> None:
    await runtime.before_broker_stop()
