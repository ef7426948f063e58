"""``parley embeddings …``: the models whose vectors the database holds, and which one search
uses (registered through the ``parley.cli`` entry point).

- ``status``: every held model, its slot, dimension, coverage and which one search uses.
- ``add-model NAME``: hold a second model; the embedders back-fill its vectors in the
  background (``models.backfill``) while search keeps its model; a progress bar follows the
  coverage until it is complete (Ctrl-C stops following, not the back-fill).
- ``use NAME``: search switches to NAME, only once its coverage is complete;
  ``use NAME --with OTHER:0.4`` fuses both models' cosines (0.6 NAME + 0.4 OTHER).
- ``drop NAME``: remove a model's vectors and indexes (never a model search uses).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

import typer
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.logging import configure
from parley_schema.vector_slots import SlotModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from parley_embedder.models.errors import ModelCommandRefused
from parley_embedder.models.repository import model_repository
from parley_embedder.models.service import Fused, ModelService
from parley_embedder.settings import EmbedderSettings, get_settings

app = typer.Typer(help="Embedding models: add one, back-fill it, switch search to it, drop one.")
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)
T = TypeVar("T")
POLL_S = 1.0
Name = Annotated[
    str,
    typer.Argument(help="The model's name, e.g. google/universal-sentence-encoder-multilingual-3"),
]


class Tools:
    """What one command works with: sessions, autocommit connections, the rules."""

    def __init__(self, engine: AsyncEngine, settings: EmbedderSettings) -> None:
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
        self.service = ModelService(settings=settings)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")


def _run(command: Callable[[Tools], Awaitable[T]]) -> T:
    settings = get_settings()
    configure(settings, service="embeddings-cli")  # logs to stderr; results to stdout

    async def run() -> T:
        engine = create_engine(settings, application_name="parley-embeddings-cli")
        try:
            return await command(Tools(engine, settings))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except ModelCommandRefused as refused:
        err_console.print(f"[bold red]error:[/] {refused.message}")
        if refused.fix:
            err_console.print(f"[bold]fix:[/] {refused.fix}")
        raise typer.Exit(1) from None


@app.command("status")
def status() -> None:
    """Every held model: slot, dimension, coverage of the ready chunks, which search uses (and
    their weights when it fuses two)."""

    async def show(tools: Tools) -> None:
        async with tools.sessions() as session:
            models = await tools.service.models(session)
        for model, coverage in models:  # one line each: whole names, also in a narrow pipe
            weight = f" (weight {model.search_weight:g})" if model.search_weight else ""
            console.print(
                f"{model.name}  slot {model.slot}  {model.dimension}-d  "
                f"{coverage.covered}/{coverage.total} ({coverage.ratio:.1%})"
                + ("  in use" + weight if model.active or weight else ""),
                soft_wrap=True,  # never broken at the console's width
            )

    _run(show)


@app.command("add-model")
def add_model(
    name: Name,
    follow: Annotated[
        bool, typer.Option(help="Show the back-fill's progress until the coverage is complete.")
    ] = True,
) -> None:
    """Hold NAME's vectors too: the embedders back-fill them while search keeps its model."""

    async def add(tools: Tools) -> None:
        async with tools.sessions.begin() as session:
            model = await tools.service.add(session, name)
        async with tools.autocommit() as connection:
            await tools.service.ensure_index(connection, model)
        console.print(f"{name} is held in slot {model.slot}; the embedders back-fill its vectors")
        if follow:
            await _follow(tools, model)
            console.print(f"complete: `parley embeddings use {name}` switches search to it")

    _run(add)


def _fused(value: str) -> Fused:
    """``NAME:WEIGHT`` (the last colon splits: a model's name may hold one)."""
    matched = re.fullmatch(r"(?P<name>.+):(?P<weight>[0-9]*\.?[0-9]+)", value)
    if matched is None:
        raise typer.BadParameter(
            f"{value!r} is not NAME:WEIGHT (e.g. NAME:0.4)", param_hint="--with"
        )
    return Fused(matched["name"], float(matched["weight"]))


@app.command("use")
def use(
    name: Name,
    fused_with: Annotated[
        str | None,
        typer.Option(
            "--with",
            metavar="NAME:WEIGHT",
            help="Fuse the cosines of a second complete model into search's dense score with "
            "this weight (0-1); NAME gets the rest. Without it, NAME alone.",
        ),
    ] = None,
) -> None:
    """Search uses NAME from now on, alone or fused with a second model (refused until every
    model named has complete coverage)."""
    fused = _fused(fused_with) if fused_with is not None else None

    async def switch(tools: Tools) -> None:
        async with tools.sessions() as session:
            models = [await tools.service.check_usable(session, name)]
            if fused is not None:
                models.append(await tools.service.check_fusable(session, name, fused))
        for model in models:
            async with tools.autocommit() as connection:
                await tools.service.ensure_index(connection, model)
        async with tools.sessions.begin() as session:
            await tools.service.use(session, name, fused)
        uses = (
            f"{1 - fused.weight:g} {name} + {fused.weight:g} {fused.name}"
            if fused is not None
            else name
        )
        console.print(
            f"search uses {uses}: every search-api follows within PARLEY_SEARCH_MODEL_CACHE_S"
        )

    _run(switch)


@app.command("drop")
def drop(name: Name) -> None:
    """Remove NAME's vectors and indexes (refused for the model search uses)."""

    async def remove(tools: Tools) -> None:
        async with tools.sessions.begin() as session:
            model = await tools.service.unregister(session, name)
        async with tools.autocommit() as connection:
            await tools.service.drop_index(connection, model)
        cleared = 0
        while True:
            async with tools.sessions.begin() as session:
                count = await tools.service.clear_vectors(session, model)
            cleared += count
            if not count:
                break
        console.print(f"dropped {name}: {cleared} vector(s) removed")

    _run(remove)


async def _follow(tools: Tools, model: SlotModel) -> None:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"back-fill {model.name}", total=None)
        while True:
            async with tools.sessions() as session:
                coverage = await model_repository.coverage(session, model)
            progress.update(task, completed=coverage.covered, total=coverage.total)
            if coverage.complete:
                return
            await asyncio.sleep(POLL_S)
