"""``parley embeddings use A --with B:W``: search fuses two complete models, refused for an
incomplete one, a bad weight or the model itself; ``use A`` alone again; a fused model is never
dropped. The real CLI on a real database (its own, committed), the real MiniLM and multilingual
model."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from parley_embedder.models.backfill import JOB_NAME
from parley_embedder.models.cli import app
from parley_embedder.runtime import EmbedderRuntime
from parley_embedder.settings import EmbedderSettings, get_settings
from parley_embedder_testkit import Rows, local_model_settings
from parley_embeddings.catalogue import MINILM, USE_MULTILINGUAL
from parley_schema.jobs import run_job
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

runner = CliRunner()
TEXTS = [f"Order {i}: the parcel arrived damaged, I want a refund" for i in range(4)]


@pytest.fixture(scope="module")
def settings(database_url: str) -> EmbedderSettings:
    return local_model_settings(database_url, chunk_max_tokens=64).model_copy(
        update={"models_refresh_s": 0.01, "model_backfill_rate": 1000.0}
    )


@pytest.fixture(autouse=True)
def fresh_cli_settings() -> Iterator[None]:
    """The CLI reads its settings once per process (``get_settings``); each command here
    reads this module's database from the environment it is given."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def embeddings(database_url: str, *args: str) -> Result:
    """One ``parley embeddings`` command (its own event loop, in a thread)."""
    env = {"PARLEY_DATABASE_URL": database_url, "PARLEY_EMBEDDING_PROVIDER": "local"}
    return await asyncio.to_thread(lambda: runner.invoke(app, list(args), env=env))


def said(result: Result) -> str:
    """The command's output, its lines rejoined where the console broke them at its width."""
    return " ".join(result.output.split())


async def weights(engine: AsyncEngine) -> dict[str, tuple[bool, float | None]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT name, active, search_weight FROM embedding_models")
        )
        return {name: (active, weight) for name, active, weight in rows}


async def test_search_fuses_two_complete_models_and_goes_back_to_one(
    runtime: EmbedderRuntime, rows: Rows, db_engine: AsyncEngine, database_url: str
) -> None:
    for message in await rows.messages(TEXTS):
        await runtime.pipeline.sync_message(message.id)
    added = await embeddings(database_url, "add-model", USE_MULTILINGUAL.name, "--no-follow")
    assert added.exit_code == 0, added.output

    incomplete = await embeddings(
        database_url, "use", MINILM.name, "--with", f"{USE_MULTILINGUAL.name}:0.4"
    )
    assert incomplete.exit_code == 1
    assert "covers 0 of 4 chunks (0.0%)" in said(incomplete)
    assert (await weights(db_engine))[MINILM.name] == (True, None)

    result = await run_job(runtime.sessions, JOB_NAME, runtime.backfill.run)
    assert result is not None
    assert result.processed == 4

    for weight, refusal in (("1.5", "between 0 and 1, not 1.5"), ("0", "not 0")):
        refused = await embeddings(
            database_url, "use", MINILM.name, "--with", f"{USE_MULTILINGUAL.name}:{weight}"
        )
        assert refused.exit_code == 1
        assert refusal in said(refused)
    itself = await embeddings(database_url, "use", MINILM.name, "--with", f"{MINILM.name}:0.4")
    assert itself.exit_code == 1
    assert "cannot be fused with itself" in said(itself)
    malformed = await embeddings(database_url, "use", MINILM.name, "--with", USE_MULTILINGUAL.name)
    assert malformed.exit_code == 2
    assert "NAME:WEIGHT" in said(malformed)
    assert (await weights(db_engine))[MINILM.name] == (True, None)

    fused = await embeddings(
        database_url, "use", MINILM.name, "--with", f"{USE_MULTILINGUAL.name}:0.4"
    )
    assert fused.exit_code == 0, fused.output
    assert f"search uses 0.6 {MINILM.name} + 0.4 {USE_MULTILINGUAL.name}" in said(fused)
    held = await weights(db_engine)
    assert held[MINILM.name] == (True, 0.6)
    assert held[USE_MULTILINGUAL.name] == (False, 0.4)
    status = await embeddings(database_url, "status")
    assert f"{MINILM.name}  slot 1  384-d  4/4 (100.0%)  in use (weight 0.6)" in status.output
    assert f"{USE_MULTILINGUAL.name}  slot 2  512-d  4/4 (100.0%)  in use (weight 0.4)" in (
        status.output
    )
    kept = await embeddings(database_url, "drop", USE_MULTILINGUAL.name)
    assert kept.exit_code == 1
    assert f"search fuses {USE_MULTILINGUAL.name} with {MINILM.name}" in said(kept)

    # the other way round, then one model alone again
    swapped = await embeddings(
        database_url, "use", USE_MULTILINGUAL.name, "--with", f"{MINILM.name}:0.25"
    )
    assert swapped.exit_code == 0, swapped.output
    held = await weights(db_engine)
    assert held[USE_MULTILINGUAL.name] == (True, 0.75)
    assert held[MINILM.name] == (False, 0.25)
    alone = await embeddings(database_url, "use", MINILM.name)
    assert alone.exit_code == 0, alone.output
    assert await weights(db_engine) == {
        MINILM.name: (True, None),
        USE_MULTILINGUAL.name: (False, None),
    }
    dropped = await embeddings(database_url, "drop", USE_MULTILINGUAL.name)
    assert dropped.exit_code == 0, dropped.output
    assert "4 vector(s) removed" in dropped.output
