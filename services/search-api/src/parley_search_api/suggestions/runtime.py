"""Everything the suggestions process runs, built once from settings: the database engine,
the answer service (the query model, search, the llm generator's client), Chatwoot's
client and the broker with its subscriber. ``main.py``'s lifespan and the tests enter it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
from faststream.rabbit import RabbitBroker
from parley_broker import SUGGESTIONS_TOPOLOGY, declare_topology
from parley_chatwoot import configured_http
from parley_embeddings.provider import EmbeddingProvider
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.errors import ConfigurationError

from parley_search_api.services import retrieval_services
from parley_search_api.settings import SearchSettings
from parley_search_api.suggestions.chatwoot import ChatwootNotes
from parley_search_api.suggestions.handlers import subscribe
from parley_search_api.suggestions.service import SuggestionService

REQUEUE_DELAY_S = 5.0  # before a message whose note failed is tried again


def require_runnable(settings: SearchSettings) -> None:
    """ConfigurationError naming what to set when the process may not run."""
    if not settings.suggest_enabled:
        raise ConfigurationError("set PARLEY_SUGGEST_ENABLED=true to run the suggestions process")
    if settings.chatwoot_base_url is None or settings.chatwoot_api_token is None:
        raise ConfigurationError(
            "set PARLEY_CHATWOOT_BASE_URL and PARLEY_CHATWOOT_API_TOKEN to post suggestions"
        )


@contextlib.asynccontextmanager
async def suggestions_broker(
    settings: SearchSettings, provider: EmbeddingProvider
) -> AsyncIterator[RabbitBroker]:
    """The broker, subscribed and with its queue declared, ready to start; everything it
    needs stays open for the block."""
    require_runnable(settings)
    engine = create_engine(
        settings,
        application_name="parley-suggestions",
        statement_timeout_s=settings.statement_timeout_s,
    )
    try:
        async with (
            configured_http(
                settings, not_configured=ConfigurationError, purpose="post suggestions"
            ) as chatwoot,
            httpx.AsyncClient() as llm,
        ):
            service = SuggestionService(
                sessions=create_sessionmaker(engine),
                answers=retrieval_services(settings, provider, llm).answers,
                notes=ChatwootNotes(chatwoot),
                interval=timedelta(seconds=settings.suggest_interval_s),
                max_age=timedelta(seconds=settings.suggest_max_message_age_s),
            )
            broker = RabbitBroker(str(settings.amqp_url), logger=None, apply_types=False)
            subscribe(broker, service, requeue_delay_s=REQUEUE_DELAY_S)
            await declare_topology(await broker.connect(), SUGGESTIONS_TOPOLOGY)
            yield broker
    finally:
        await engine.dispose()
