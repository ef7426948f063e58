"""``parley db start|stop|status|url``: the embedded PostgreSQL+pgvector server.

Its superuser's password lives in ``PARLEY_DATA_DIR/postgres/password`` (0600); ``status``
and ``url`` print the URL with it, ``start`` (and so ``parley up``) never does.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer
from parley_devstack.embedded_db import EmbeddedDatabaseError

from parley_cli.console import console, fail, redact_url
from parley_cli.context import database_name, embedded_database, get_settings

app = typer.Typer(help="Run the embedded PostgreSQL+pgvector server (data in PARLEY_DATA_DIR).")


def start_embedded() -> bool:
    """Start the server and create Parley's database; shared by `db start` and `up`.

    True when this call started it, False when it was running already.
    """
    settings = get_settings()
    database = embedded_database(settings)
    trusted = database.trusts_connections()
    started_at = time.perf_counter()
    try:
        started = database.start()
        database.ensure_database_sync(database_name(settings))
    except EmbeddedDatabaseError as error:
        raise fail(
            f"the embedded database did not start: {error}",
            fix=f"free port {settings.embedded_db_port} or set PARLEY_EMBEDDED_DB_PORT",
        ) from None
    elapsed = time.perf_counter() - started_at
    verb = f"started in {elapsed:.2f}s" if started else "already running"
    console.print(f"database {verb}: {redact_url(settings.database_url_str)}")
    if trusted:
        console.print(
            "[bold yellow]the embedded database let any local user in without a password "
            f"(trust); it now requires the one in {database.password_file}[/] "
            "(`parley db status` prints the URL with it)"
        )
    return started


def stop_embedded() -> None:
    """Stop the server; its data stays in PARLEY_DATA_DIR. Shared by `db stop` and `up`."""
    database = embedded_database(get_settings())
    try:
        stopped = database.stop()
    except EmbeddedDatabaseError as error:
        raise fail(f"the embedded database did not stop: {error}") from None
    console.print("database stopped" if stopped else "database was not running")


@app.command()
def start() -> None:
    """Start the server (initialising its data directory on first use)."""
    settings = get_settings()
    if not settings.uses_embedded_database():
        raise fail(
            "PARLEY_DATABASE_URL points at another server; `parley db` only manages the "
            "embedded one",
            fix=f"unset PARLEY_DATABASE_URL or point it at port {settings.embedded_db_port}",
        )
    start_embedded()


@app.command()
def stop() -> None:
    """Stop the server; its data stays in PARLEY_DATA_DIR."""
    stop_embedded()


@app.command()
def status() -> None:
    """Print whether the server runs, its data directory and connection URL."""
    settings = get_settings()
    state = embedded_database(settings).status()
    console.print(f"running:  {'yes (pid ' + str(state.pid) + ')' if state.running else 'no'}")
    console.print(f"data dir: {state.data_dir}")
    console.print(f"password: {embedded_database(settings).password_file}")
    console.print(f"url:      {settings.database_url_str}", soft_wrap=True)
    if not state.running:
        raise typer.Exit(3)


@app.command()
def url(
    libpq: Annotated[
        bool, typer.Option("--libpq", help="postgresql:// for psql and pg_dump.")
    ] = False,
) -> None:
    """Print the URL with its password, e.g. export PARLEY_DATABASE_URL="$(parley db url)"."""
    resolved = get_settings().database_url_str
    if libpq:
        resolved = "postgresql://" + resolved.split("://", 1)[1]
    typer.echo(resolved)
