"""``parley doctor``: check everything Parley needs and say how to fix what is missing."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass

import typer
from parley_schema import migrate as schema_migrate
from parley_schema.settings import ParleyBaseSettings
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from parley_cli.broker import BROKER_FIX, check_broker
from parley_cli.console import console
from parley_cli.context import embedded_database, get_settings
from parley_cli.services import SERVICES

MIN_PGVECTOR = (0, 8)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


async def _database_checks(settings: ParleyBaseSettings) -> list[Check]:
    engine = create_async_engine(settings.database_url_str)
    try:
        async with engine.connect() as connection:
            server = await connection.scalar(text("SHOW server_version"))
            vector = await connection.scalar(
                text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            )
    except (OSError, OperationalError, DBAPIError) as error:
        return [
            Check(
                "database",
                False,
                type(error).__name__,
                "`parley db start`, or set PARLEY_DATABASE_URL",
            )
        ]
    finally:
        await engine.dispose()
    checks = [Check("database", True, f"PostgreSQL {server}")]
    current = await schema_migrate.current_revision(settings.database_url_str)
    head = schema_migrate.head_revision()
    checks.append(
        Check(
            "schema", current == head, f"at {current or 'nothing'}, head {head}", "`parley migrate`"
        )
    )
    vector_ok = vector is not None and _version_tuple(str(vector)) >= MIN_PGVECTOR
    checks.append(
        Check(
            "pgvector",
            vector_ok,
            f"vector {vector}" if vector else "extension not installed",
            "`parley migrate` on a server with pgvector ≥ 0.8",
        )
    )
    return checks


async def _collect(settings: ParleyBaseSettings) -> list[Check]:
    checks = [
        Check(
            "python", sys.version_info >= (3, 11), sys.version.split()[0], "Python 3.11 or newer"
        ),
    ]
    if settings.uses_embedded_database():
        database = embedded_database(settings)
        state = database.status()
        trusted = database.trusts_connections()
        checks.extend(
            [
                Check(
                    "embedded db",
                    state.running,
                    f"{'running' if state.running else 'stopped'}, data in {state.data_dir}",
                    "`parley db start`",
                ),
                Check(
                    "embedded db auth",
                    not trusted,
                    "trust: any local user connects as superuser"
                    if trusted
                    else f"password (SCRAM), kept in {database.password_file}",
                    "`parley db start` moves it to password authentication",
                ),
            ]
        )
    checks.extend(await _database_checks(settings))
    problem = await check_broker(str(settings.amqp_url))
    checks.append(Check("rabbitmq", problem is None, problem or "reachable", BROKER_FIX))
    for service in SERVICES:
        installed = service.is_installed()
        checks.append(
            Check(
                f"service {service.name}",
                True,
                "installed" if installed else "not installed (skipped by `parley up`)",
            )
        )
    return checks


def doctor() -> None:
    """Check Python, database, schema, pgvector, RabbitMQ and installed services."""
    checks = asyncio.run(_collect(get_settings()))
    table = Table("check", "", "detail", "fix")
    for check in checks:
        mark = "[green]ok[/]" if check.ok else "[red]FAIL[/]"
        table.add_row(check.name, mark, check.detail, "" if check.ok else check.fix)
    console.print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)
