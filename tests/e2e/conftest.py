"""One running stack for the e2e tests: four service processes, the real local model, a
database of its own and the worker's RabbitMQ vhost; plus a user with API tokens.

Session-scoped, so the stack (about 17 s to start) is started once per worker that runs e2e
tests; ``--dist loadfile`` keeps each e2e file on one worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from parley_cli.client import SearchClient, create_user, provision_token
from parley_devstack.embedded_db import EmbeddedDatabase
from parley_testing.postgres import clone_template, drop_database, run_async
from parley_testing.stack import Stack, running_stack

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def stack_settings() -> dict[str, str]:
    """``PARLEY_*`` settings of this module's stack, beyond the test defaults."""
    return {}


# Module scope, in a virtual host of the module's own: a stack left running for the session
# would consume, from the shared one, the events of every later stack in the same worker.
@pytest.fixture(scope="module")
def stack(
    pg_server: EmbeddedDatabase,
    template_database_url: str,
    module_amqp_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    stack_settings: dict[str, str],
) -> Iterator[Stack]:
    name = run_async(lambda: clone_template(pg_server))
    logs = Path(tmp_path_factory.mktemp("logs"))
    with running_stack(
        pg_server.url(name), module_amqp_url, logs, extra_env=stack_settings
    ) as stack:
        yield stack
    run_async(lambda: drop_database(pg_server, name))


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
            scopes=["private"],  # the tests read private notes too
        )
        clients.append(SearchClient.with_token(stack.url("search-api"), token))
    yield Searchers(*clients)
    for client in clients:
        await client.close()
