"""``parley embedder …``: operator commands (registered through the ``parley.cli`` entry point).

- ``retry-failed``: chunks in ``failed`` go back to ``pending`` and their messages are queued
  again (after fixing the provider, the key, the quota …).
- ``dlq count`` / ``dlq replay``: inspect the dead-letter queue and move its events back.
- ``asyncapi``: print the AsyncAPI document of ``parley.events`` (``docs/asyncapi.json``).

Each command builds what it needs from settings once (a database engine and a broker, or one
broker connection) and closes it before it returns.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import aio_pika
import typer
from faststream.rabbit import RabbitBroker
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.logging import configure
from rich.console import Console

from parley_embedder.asyncapi import asyncapi_json
from parley_embedder.deadletters.service import DeadLetterService
from parley_embedder.settings import EmbedderSettings, get_settings
from parley_embedder.sweeper.service import publish, requeue_service

app = typer.Typer(help="Operate the embedder: retry failed chunks, replay dead letters.")
dlq = typer.Typer(help="The embedder's dead-letter queue (parley.embedder.dlq).")
app.add_typer(dlq, name="dlq")
console = Console(highlight=False)


def _settings() -> EmbedderSettings:
    settings = get_settings()
    configure(settings, service="embedder-cli")  # logs to stderr; results to stdout
    return settings


T = TypeVar("T")
Limit = Annotated[int, typer.Option(min=1, help="At most this many messages.")]


@app.command("retry-failed")
def retry_failed(limit: Limit = 10_000) -> None:
    """Queue every message with failed chunks again."""
    count = asyncio.run(_retry_failed(_settings(), limit))
    console.print(f"re-queued {count} message(s) with failed chunks")


@app.command("asyncapi")
def asyncapi() -> None:
    """Print the AsyncAPI document of parley.events (what docs/asyncapi.json holds)."""
    sys.stdout.write(asyncapi_json())


@dlq.command("count")
def dlq_count() -> None:
    """How many events wait in the dead-letter queue."""
    console.print(str(asyncio.run(_with_dead_letters(_settings(), DeadLetterService.count))))


@dlq.command("replay")
def dlq_replay(limit: Limit = 10_000) -> None:
    """Move dead-lettered events back into the embedder queue."""

    async def replay(dead_letters: DeadLetterService) -> int:
        return await dead_letters.replay(limit=limit)

    moved = asyncio.run(_with_dead_letters(_settings(), replay))
    console.print(f"replayed {moved} dead-lettered event(s)")


async def _retry_failed(settings: EmbedderSettings, limit: int) -> int:
    engine = create_engine(settings, application_name="parley-embedder-cli")
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            events = await requeue_service.take_failed(session, limit=limit)
    finally:
        await engine.dispose()
    async with RabbitBroker(str(settings.amqp_url), logger=None) as broker:
        await publish(broker, events)
    return len(events)


async def _with_dead_letters(
    settings: EmbedderSettings, action: Callable[[DeadLetterService], Awaitable[T]]
) -> T:
    async with await aio_pika.connect(str(settings.amqp_url)) as connection:
        return await action(DeadLetterService(connection=connection))
