"""The suggestions process (off by default): ``parley-suggest``, or
``faststream run parley_search_api.suggestions.main:app`` as ``parley up`` runs it when
``PARLEY_SUGGEST_ENABLED=true``. It consumes ``message.upserted.v1`` from its own queue and
posts answer drafts into Chatwoot as private notes (``service.py``)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import structlog
from faststream import Context, FastStream
from parley_embeddings.factory import build_provider
from parley_schema.errors import ConfigurationError
from parley_schema.logging import configure

from parley_search_api.settings import get_settings
from parley_search_api.suggestions.runtime import require_runnable, suggestions_broker

log = structlog.get_logger(__name__)


@asynccontextmanager
async def lifespan(app: Annotated[FastStream, Context("app")]) -> AsyncIterator[None]:
    settings = get_settings()
    try:
        require_runnable(settings)  # before the model loads: say what is missing, exit 2
    except ConfigurationError as error:
        sys.stderr.write(f"parley: {error.message}\n")
        raise SystemExit(2) from None
    configure(settings, service="suggestions")
    provider = await asyncio.to_thread(build_provider, settings)  # loads the model
    async with suggestions_broker(settings, provider) as broker:
        app.add_broker(broker)
        log.info("suggestions_started", interval_s=settings.suggest_interval_s)
        yield


app = FastStream(lifespan=lifespan)


def run() -> None:
    """The ``parley-suggest`` console script."""
    asyncio.run(app.run())
