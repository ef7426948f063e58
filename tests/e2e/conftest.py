"""One running stack per e2e module: four service processes, the real local model, the
module's database and the worker's RabbitMQ vhost; plus a logged-in user with API tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from parley_cli.client import SearchClient, create_user, provision_token
from parley_testing.stack import Stack, running_stack

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def stack(
    database_url: str, amqp_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    with running_stack(database_url, amqp_url, Path(tmp_path_factory.mktemp("logs"))) as stack:
        yield stack


@dataclass
class Searchers:
    """API-token clients of two projects: one may search accounts 1 and 2, one only 2."""

    both_accounts: SearchClient
    second_account_only: SearchClient


@pytest.fixture(scope="module")
async def searchers(stack: Stack) -> AsyncIterator[Searchers]:
    await create_user(stack.env, "e2e-owner", PASSWORD)
    clients = []
    for project, accounts in (("everything", [1, 2]), ("globex", [2])):
        token = await provision_token(
            stack.url("auth"),
            username="e2e-owner",
            password=PASSWORD,
            project=project,
            account_ids=accounts,
        )
        clients.append(SearchClient.with_token(stack.url("search-api"), token))
    yield Searchers(*clients)
    for client in clients:
        await client.close()
