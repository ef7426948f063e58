"""One running stack per e2e module: four service processes, the real local model, the
module's database and the worker's RabbitMQ vhost; plus a logged-in user with API tokens."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from parley_cli.client import AuthClient, SearchClient
from parley_testing.stack import Stack, running_stack

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def stack(
    database_url: str, amqp_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    with running_stack(database_url, amqp_url, Path(tmp_path_factory.mktemp("logs"))) as stack:
        yield stack


def create_user(stack: Stack, username: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "parley_cli", "auth", "create-user", username, "--password-stdin"],
        input=PASSWORD,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@dataclass
class Searchers:
    """API-token clients of two projects: one may search accounts 1 and 2, one only 2."""

    both_accounts: SearchClient
    second_account_only: SearchClient


@pytest.fixture(scope="module")
async def searchers(stack: Stack) -> AsyncIterator[Searchers]:
    create_user(stack, "e2e-owner")
    auth = await AuthClient.login(stack.url("auth"), "e2e-owner", PASSWORD)
    try:
        clients = []
        for name, accounts in (("everything", [1, 2]), ("globex", [2])):
            project_id = await auth.project_named(name)
            await auth.allow_accounts(project_id, accounts)
            token = await auth.create_token(project_id, f"{name}-e2e")
            clients.append(SearchClient.with_token(stack.url("search-api"), token))
    finally:
        await auth.close()
    yield Searchers(*clients)
    for client in clients:
        await client.close()
