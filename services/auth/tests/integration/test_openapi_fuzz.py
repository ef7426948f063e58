"""schemathesis against the served OpenAPI schema: no input makes the service fail with 5xx.

The app runs in a real uvicorn server (its own thread and event loop, the module's database).
Requests carry a signed-in session and its CSRF token, so authenticated routes are explored
past the credential check; logout or logout-all may end that session midway, which is fine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from parley_auth.main import create_app
from parley_auth.passwords import Hasher
from parley_auth.settings import AuthSettings
from parley_auth.users.service import UserService
from parley_schema.db import create_engine, create_sessionmaker
from parley_testing.postgres import free_port, run_async
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

PASSWORD = "fuzzing password"


@pytest.fixture(scope="module")
def server(database_url: str, amqp_url: str) -> Iterator[str]:
    app_settings = AuthSettings(
        database_url=database_url,
        amqp_url=amqp_url,
        argon2_time_cost=1,
        argon2_memory_kib=8192,
        login_limit_per_address=10_000,
        signup_limit_per_address=10_000,
        confirm_limit_per_address=10_000,
    )
    port = free_port()
    uv = uvicorn.Server(
        uvicorn.Config(create_app(app_settings), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert time.monotonic() < deadline, "auth server did not start"
        time.sleep(0.05)

    async def make_user() -> None:
        engine = create_engine(app_settings)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                await UserService(hasher=Hasher(app_settings)).create(
                    session, username="fuzzer", password=PASSWORD
                )
        finally:
            await engine.dispose()

    run_async(make_user)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def credentials(server: str) -> dict[str, Any]:
    response = httpx.post(
        f"{server}/v1/auth/login", json={"username": "fuzzer", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {
        "cookies": dict(response.cookies),
        "headers": {"X-CSRF-Token": response.json()["csrf_token"]},
    }


def test_no_input_causes_a_server_error(server: str, credentials: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results  # the schema is valid
    operations = sorted(
        (result.ok() for result in results if isinstance(result, Ok)),
        key=lambda op: "logout" in op.path,  # keep the session alive until the end
    )
    assert len(operations) >= 20  # every route is explored
    statuses: set[int] = set()

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def explore(case: Any) -> None:
            response = case.call_and_validate(
                base_url=server,
                headers={**(case.headers or {}), **credentials["headers"]},
                cookies=credentials["cookies"],
                checks=[not_a_server_error, response_schema_conformance],
                timeout=30,
            )
            statuses.add(response.status_code)

        explore()
    # Generated requests got past validation and authentication, not only 401s and 422s.
    assert {200, 201, 204} <= statuses
