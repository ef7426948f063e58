"""``parley up``: database, migrations, broker check, then every installed service."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import typer
from parley_schema.settings import ParleyBaseSettings

from parley_cli.broker import BROKER_FIX, check_broker
from parley_cli.console import console, fail, redact_url
from parley_cli.context import get_settings, service_env
from parley_cli.db import start_embedded, stop_embedded
from parley_cli.migrate import migrate
from parley_cli.processes import ProcessSpec, run_all
from parley_cli.services import SERVICES


@contextlib.contextmanager
def local_stack(settings: ParleyBaseSettings) -> Iterator[list[ProcessSpec]]:
    """Start the database, migrate, check the broker; yield the services to run.

    On the way out (the services stopped, Ctrl-C, or a failed check) the embedded database
    is stopped when this run started it, so a next ``parley up`` with another data directory
    finds its port free. One that was running before is left running, and the user is told.
    """
    started = settings.uses_embedded_database() and start_embedded()
    try:
        yield _prepare_services(settings)
    finally:
        if started:
            stop_embedded()
        elif settings.uses_embedded_database():
            console.print(
                "database keeps running (it was running before this command); "
                "stop it with `parley db stop`"
            )


def _prepare_services(settings: ParleyBaseSettings) -> list[ProcessSpec]:
    if not settings.uses_embedded_database():
        console.print(f"database: {redact_url(settings.database_url_str)} (external)")
    migrate()
    amqp_url = str(settings.amqp_url)
    problem = asyncio.run(check_broker(amqp_url))
    if problem is not None:
        raise fail(
            f"RabbitMQ is not reachable at {redact_url(amqp_url)} ({problem})", fix=BROKER_FIX
        )
    console.print(f"broker: {redact_url(amqp_url)} reachable")

    specs = []
    for service in SERVICES:
        if not service.is_installed():
            console.print(
                f"[dim]skipping {service.name}: package {service.package} is not installed[/]"
            )
            continue
        if not service.is_enabled(settings):
            console.print(f"[dim]not starting {service.name}: {service.enabled_setting} is off[/]")
            continue
        port = service.port(settings)
        where = f"http://127.0.0.1:{port}" if port else "consuming from RabbitMQ"
        console.print(f"starting {service.name} ({where})")
        specs.append(ProcessSpec(service.name, service.argv(settings)))
    return specs


def up() -> None:
    """Start the whole local stack and follow its logs; Ctrl-C stops it."""
    settings = get_settings()
    with local_stack(settings) as specs:
        if not specs:
            console.print("no services are installed yet; the database and broker are ready")
            return
        code = asyncio.run(run_all(specs, service_env(settings)))
    raise typer.Exit(code)
