"""Ingest's commands end expected failures with one line and exit 1; bugs keep their traceback."""

from __future__ import annotations

import io

import pytest
import typer
from parley_ingest.cli_errors import ending_cleanly
from parley_schema.errors import ParleyError
from rich.console import Console
from sqlalchemy.exc import OperationalError


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=200, color_system=None), out


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (ParleyError("Chatwoot answered 401"), "sync failed: Chatwoot answered 401"),
        (
            OperationalError("SELECT 1", {}, ConnectionRefusedError()),
            "sync failed: the database is unavailable (OperationalError)",
        ),
        (ConnectionRefusedError(), "sync failed: the database is unavailable"),
    ],
    ids=["parley-error", "database-error", "os-error"],
)
def test_an_expected_failure_prints_one_line_and_exits_1(error: Exception, line: str) -> None:
    output, text = console()
    with pytest.raises(typer.Exit) as raised, ending_cleanly(output, "sync failed"):
        raise error
    assert raised.value.exit_code == 1
    assert text.getvalue().strip().startswith(line)
    assert "Traceback" not in text.getvalue()


def test_a_bug_is_not_hidden() -> None:
    output, text = console()
    with pytest.raises(KeyError), ending_cleanly(output):
        raise KeyError("bug")
    assert text.getvalue() == ""
