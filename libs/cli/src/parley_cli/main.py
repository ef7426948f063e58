"""The ``parley`` command. Services and libraries add sub-apps through the
``parley.cli`` entry-point group (name → a ``typer.Typer``)."""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from parley_cli import db
from parley_cli.demo import demo
from parley_cli.doctor import doctor
from parley_cli.migrate import migrate
from parley_cli.up import up

PLUGIN_GROUP = "parley.cli"


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="parley",
        help="Parley: semantic search over Chatwoot conversations.",
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
    )
    app.add_typer(db.app, name="db")
    app.command()(migrate)
    app.command()(up)
    app.command()(doctor)
    app.command()(demo)
    for entry in entry_points(group=PLUGIN_GROUP):
        app.add_typer(entry.load(), name=entry.name)
    return app


def run() -> None:
    build_app()()
