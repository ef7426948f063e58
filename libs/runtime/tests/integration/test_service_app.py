"""What every service gets from ``create_service_app``, against a real database."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from parley_runtime.app import create_service_app
from parley_runtime.database import SessionDep
from parley_runtime.error_handlers import error_responses
from parley_schema.errors import ParleyError
from parley_schema.models import AppSetting
from parley_schema.settings import ParleyBaseSettings
from pydantic import BaseModel
from sqlalchemy import insert, select, text


class ThingMissing(ParleyError):
    code = "thing_missing"
    status = 404


class Body(BaseModel):
    count: int


class SlowSearch(ParleyError):
    code = "search_timeout"
    status = 503


def build_app(settings: ParleyBaseSettings) -> FastAPI:
    app = create_service_app(
        service="test", settings=settings, title="test", timeout_error=SlowSearch
    )

    @app.get("/client")
    async def client_host(request: Request) -> dict[str, str | None]:
        return {"host": request.client.host if request.client else None}

    @app.get("/slow")
    async def slow(session: SessionDep) -> None:
        await session.execute(text("SELECT pg_sleep(2)"))

    @app.get("/missing", responses=error_responses(404))
    async def missing() -> None:
        raise ThingMissing("no such thing", field="thing_id")

    @app.post("/validated")
    async def validated(body: Body) -> Body:
        return body

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.post("/settings/{key}")
    async def write_setting(
        key: str, session: SessionDep, fail: bool = False, fail_at_commit: bool = False
    ) -> None:
        await session.execute(insert(AppSetting).values(key=key, value="v"))
        if fail:
            raise ThingMissing("after the write")
        if fail_at_commit:  # a deferred unique check: Postgres refuses the COMMIT itself
            await session.execute(
                text(
                    "CREATE TEMP TABLE probe (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)"
                    " ON COMMIT DROP"
                )
            )
            await session.execute(text("INSERT INTO probe VALUES (1), (1)"))

    @app.get("/settings/{key}")
    async def read_setting(key: str, session: SessionDep) -> dict[str, str | None]:
        value = await session.scalar(select(AppSetting.value).where(AppSetting.key == key))
        return {"value": value}

    return app


async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
async def client(base_settings: ParleyBaseSettings) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(build_app(base_settings)):
        yield client


async def test_domain_errors_render_the_shared_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/missing")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "thing_missing", "message": "no such thing", "field": "thing_id"}
    }


async def test_validation_errors_are_422_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/validated", json={"count": "many"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("validation_error", "count")


async def test_unexpected_errors_are_500_with_correlation_id_and_no_internals(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/boom", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert "req-42" in response.json()["error"]["message"]
    assert "secret internals" not in response.text


async def test_request_id_is_echoed_or_created(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    created = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert created.headers["X-Request-ID"] not in {"", "bad id with spaces"}


async def test_session_commits_when_the_handler_returns(
    client: httpx.AsyncClient, unique_name: str
) -> None:
    assert (await client.post(f"/settings/{unique_name}")).status_code == 200
    assert (await client.get(f"/settings/{unique_name}")).json() == {"value": "v"}


async def test_session_rolls_back_when_the_handler_fails(
    client: httpx.AsyncClient, unique_name: str
) -> None:
    assert (await client.post(f"/settings/{unique_name}?fail=true")).status_code == 404
    assert (await client.get(f"/settings/{unique_name}")).json() == {"value": None}


async def test_a_commit_that_fails_is_never_answered_with_success(
    client: httpx.AsyncClient, unique_name: str
) -> None:
    """The commit runs before the response is sent, so the client learns of its failure
    (and a webhook sender retries) instead of getting a 200 for rows that are not there."""
    response = await client.post(f"/settings/{unique_name}?fail_at_commit=true")
    assert response.status_code == 500
    assert (await client.get(f"/settings/{unique_name}")).json() == {"value": None}


async def test_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"}


async def test_not_ready_when_the_database_is_unreachable(amqp_url: str) -> None:
    settings = ParleyBaseSettings(
        database_url="postgresql+asyncpg://postgres@127.0.0.1:9/none",
        amqp_url=amqp_url,
    )
    async for client in _client(build_app(settings)):
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("error")


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/missing")
    metrics = (await client.get("/metrics")).text
    assert 'handler="/missing"' in metrics
    assert "http_request_duration_seconds" in metrics


async def test_every_app_in_a_process_measures_its_own_requests(amqp_url: str) -> None:
    settings = ParleyBaseSettings(
        database_url="postgresql+asyncpg://postgres@127.0.0.1:9/none", amqp_url=amqp_url
    )
    for _ in range(2):
        async for client in _client(build_app(settings)):
            await client.get("/missing")
            assert 'handler="/missing"' in (await client.get("/metrics")).text


async def test_a_statement_past_the_timeout_is_answered_503_with_the_apps_code(
    base_settings: ParleyBaseSettings,
) -> None:
    settings = base_settings.model_copy(update={"statement_timeout_s": 0.2})
    async for client in _client(build_app(settings)):
        response = await client.get("/slow")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "search_timeout"
        assert (await client.get("/readyz")).status_code == 200  # the connection is fine


@pytest.mark.parametrize(
    ("trusted", "expected"), [([], "127.0.0.1"), (["127.0.0.0/8"], "203.0.113.9")]
)
async def test_forwarded_for_is_believed_only_from_trusted_proxies(
    base_settings: ParleyBaseSettings, trusted: list[str], expected: str
) -> None:
    settings = base_settings.model_copy(
        update={"trusted_proxies": [ipaddress.ip_network(n) for n in trusted]}
    )
    async for client in _client(build_app(settings)):
        response = await client.get("/client", headers={"X-Forwarded-For": "203.0.113.9"})
        assert response.json() == {"host": expected}


async def test_docs_can_be_turned_off(base_settings: ParleyBaseSettings) -> None:
    async for client in _client(build_app(base_settings)):
        assert (await client.get("/openapi.json")).status_code == 200
    hidden = base_settings.model_copy(update={"public_docs": False})
    async for client in _client(build_app(hidden)):
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert (await client.get(path)).status_code == 404


async def test_documented_errors_carry_the_envelope_schema(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    documented = document["paths"]["/missing"]["get"]["responses"]["404"]
    assert documented["description"] == "Not Found"
    reference = documented["content"]["application/json"]["schema"]["$ref"]
    assert reference.endswith("/ErrorEnvelope")
    envelope = document["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["required"] == ["error"]


async def test_readiness_documents_its_unavailable_answer(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert set(document["paths"]["/readyz"]["get"]["responses"]) >= {"200", "503"}
