"""Black-box security tests: HTTP requests against the four services running as processes.

Each test module gets a stack of its own (its database, its RabbitMQ vhost, its log files),
started with the settings its ``stack_settings`` fixture returns, so a module can trust a
proxy, bind nothing to Telegram or turn on the development PIN log without affecting others.
``stack.logs`` holds every process's log lines for the "nothing secret in logs" checks.
``--dist loadfile`` runs a module on one worker, so its stack starts once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from parley_testing.stack import Stack, running_stack


@pytest.fixture(scope="module")
def stack_settings() -> dict[str, str]:
    """``PARLEY_*`` settings of this module's stack, beyond the test defaults."""
    return {}


@pytest.fixture(scope="module")
def stack(
    database_url: str,
    module_amqp_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    stack_settings: dict[str, str],
) -> Iterator[Stack]:
    logs = Path(tmp_path_factory.mktemp("logs"))
    with running_stack(database_url, module_amqp_url, logs, extra_env=stack_settings) as stack:
        yield stack
