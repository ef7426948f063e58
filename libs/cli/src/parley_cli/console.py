"""The CLI's terminal output and how it reports a failure the user can fix."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import typer
from rich.console import Console

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def fail(message: str, *, fix: str | None = None, code: int = 1) -> typer.Exit:
    """Print a one-line reason (and how to fix it); return the Exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}")
    if fix:
        err_console.print(f"[bold]fix:[/] {fix}")
    return typer.Exit(code)


def redact_url(url: str) -> str:
    """The URL with its password replaced by ***, safe to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
