"""How ingest's commands end on the failures they expect: one red line, exit status 1."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from parley_schema.errors import ParleyError
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError


@contextlib.contextmanager
def ending_cleanly(console: Console, label: str = "error") -> Iterator[None]:
    """A Parley error prints its message, an unreachable database says so; both exit 1.

    Anything else is a bug and keeps its traceback.
    """
    try:
        yield
    except ParleyError as error:
        console.print(f"[bold red]{label}:[/] {error.message}")
        raise typer.Exit(1) from None
    except (SQLAlchemyError, OSError) as error:
        console.print(f"[bold red]{label}:[/] the database is unavailable ({type(error).__name__})")
        raise typer.Exit(1) from None
