"""The audit trail every audited service gets from ``create_service_app``, on real Postgres."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI, Request
from parley_runtime.app import create_service_app
from parley_runtime.audit.caller import Caller, identify
from parley_runtime.audit.recorder import AuditEntry, AuditRecorder
from parley_runtime.audit.retention import purge_audit_trail
from parley_runtime.audit.settings import AuditSettings
from parley_schema.db import create_sessionmaker
from parley_schema.errors import ParleyError
from parley_schema.models import ApiRequest
from prometheus_client import REGISTRY
from pydantic import BaseModel
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

EVENTUALLY_S = 10.0


class Refused(ParleyError):
    code = "refused"
    status = 403


class Search(BaseModel):
    q: str


def build_app(settings: AuditSettings, *, service: str, audit_bodies: bool = False) -> FastAPI:
    app = create_service_app(
        service=service, settings=settings, title="test", audit_bodies=audit_bodies
    )

    @app.post("/v1/things/{thing_id}/search")
    async def search(thing_id: str, body: Search, request: Request) -> dict[str, str]:
        identify(request, Caller(uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)))
        return {"thing": thing_id}

    @app.get("/v1/refused")
    async def refused(request: Request) -> None:
        identify(request, Caller(user_id=uuid.UUID(int=4)))
        raise Refused("no")

    return app


@asynccontextmanager
async def client_of(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
def settings(database_url: str, amqp_url: str) -> AuditSettings:
    return AuditSettings(database_url=database_url, amqp_url=amqp_url)


async def rows_of(engine: AsyncEngine, service: str) -> Sequence[ApiRequest]:
    async with create_sessionmaker(engine)() as session:
        rows = await session.scalars(
            select(ApiRequest).where(ApiRequest.service == service).order_by(ApiRequest.id)
        )
        return rows.all()


async def eventually_rows(engine: AsyncEngine, service: str, count: int) -> Sequence[ApiRequest]:
    deadline = asyncio.get_running_loop().time() + EVENTUALLY_S
    while len(rows := await rows_of(engine, service)) < count:
        assert asyncio.get_running_loop().time() < deadline, f"{len(rows)} of {count} rows"
        await asyncio.sleep(0.05)
    return rows


async def test_requests_are_recorded_with_route_caller_status_and_no_query_by_default(
    settings: AuditSettings, db_engine: AsyncEngine, unique_name: str
) -> None:
    async with client_of(build_app(settings, service=unique_name, audit_bodies=True)) as client:
        ok = await client.post(
            "/v1/things/cw:1:42/search?mode=keyword",
            json={"q": "card of Anna"},
            headers={"X-Request-ID": "req-1"},
        )
        refused = await client.get("/v1/refused")
        missing = await client.get("/v1/nowhere/cw:1:43")
        await client.get("/healthz")
    assert (ok.status_code, refused.status_code, missing.status_code) == (200, 403, 404)

    rows = await eventually_rows(db_engine, unique_name, 3)
    by_status = {row.status: row for row in rows}
    assert len(rows) == 3  # /healthz is not an API request
    searched = by_status[200]
    assert (searched.method, searched.endpoint) == ("POST", "/v1/things/{thing_id}/search")
    assert (searched.user_id, searched.project_id, searched.token_id) == (
        uuid.UUID(int=1),
        uuid.UUID(int=2),
        uuid.UUID(int=3),
    )
    assert searched.correlation_id == "req-1"
    assert searched.latency_ms > 0
    assert searched.query is None
    assert abs(searched.at - datetime.now(UTC)) < timedelta(minutes=1)
    assert by_status[403].user_id == uuid.UUID(int=4)  # known although the route failed
    assert (by_status[404].endpoint, by_status[404].user_id) == ("(unmatched)", None)
    stored = " ".join(str(column) for row in rows for column in row.__dict__.values())
    for private in ("Anna", "cw:1:4", "keyword"):
        assert private not in stored


async def test_with_audit_queries_the_query_string_and_allowed_bodies_are_kept(
    settings: AuditSettings, db_engine: AsyncEngine, unique_name: str
) -> None:
    queries = settings.model_copy(update={"audit_queries": True})
    with_bodies, without = f"{unique_name}-b", f"{unique_name}-n"
    for service, bodies in ((with_bodies, True), (without, False)):
        async with client_of(build_app(queries, service=service, audit_bodies=bodies)) as client:
            response = await client.post(
                "/v1/things/t/search?mode=keyword", json={"q": "charged twice"}
            )
            assert response.status_code == 200

    [kept] = await eventually_rows(db_engine, with_bodies, 1)
    assert kept.query == {"query_string": "mode=keyword", "body": {"q": "charged twice"}}
    [no_body] = await eventually_rows(db_engine, without, 1)
    assert no_body.query == {"query_string": "mode=keyword"}


async def test_a_request_completes_while_the_writer_is_blocked_and_its_row_follows(
    settings: AuditSettings, db_engine: AsyncEngine, unique_name: str
) -> None:
    async with client_of(build_app(settings, service=unique_name)) as client:
        async with db_engine.connect() as blocker:
            await blocker.execute(text("LOCK TABLE api_requests IN ACCESS EXCLUSIVE MODE"))
            responses = await asyncio.wait_for(
                asyncio.gather(
                    *(client.post("/v1/things/t/search", json={"q": "x"}) for _ in range(5))
                ),
                timeout=5,
            )
            assert [response.status_code for response in responses] == [200] * 5
            await asyncio.sleep(1.0)  # the writer has tried, and waits for the lock
            written = await blocker.scalar(
                select(func.count()).where(ApiRequest.service == unique_name)
            )
            assert written == 0
            await blocker.rollback()  # releases the lock
        rows = await eventually_rows(db_engine, unique_name, 5)
    assert len(rows) == 5


async def test_rows_are_written_in_batches_and_the_queue_is_written_out_on_shutdown(
    settings: AuditSettings, db_engine: AsyncEngine, unique_name: str
) -> None:
    async with client_of(build_app(settings, service=unique_name)) as client:
        for _ in range(20):
            assert (await client.post("/v1/things/t/search", json={"q": "x"})).status_code == 200
    # Shut down at once: nothing is lost, and 20 requests took far fewer writes.
    assert len(await rows_of(db_engine, unique_name)) == 20
    assert 1 <= sample("parley_audit_flush_seconds_count", service=unique_name) <= 3
    assert sample("parley_audit_rows_written_total", service=unique_name) == 20


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_full_queue_drops_and_counts_instead_of_waiting(
    db_engine: AsyncEngine, unique_name: str
) -> None:
    recorder = AuditRecorder(
        service=unique_name, sessionmaker=create_sessionmaker(db_engine), queue_size=2
    )
    entry = AuditEntry(
        at=datetime.now(UTC),
        service=unique_name,
        method="GET",
        endpoint="/v1/x",
        status=200,
        latency_ms=1.0,
        project_id=None,
        user_id=None,
        token_id=None,
        correlation_id=None,
        query=None,
    )
    for _ in range(5):
        recorder.record(entry)  # never waits: the writer is not even running
    dropped = sample("parley_audit_rows_dropped_total", service=unique_name, reason="queue_full")
    assert dropped == 3
    async with recorder.running():
        pass
    assert len(await rows_of(db_engine, unique_name)) == 2


async def test_retention_purge_deletes_only_rows_past_the_window(
    db_session: AsyncSession, unique_name: str
) -> None:
    now = datetime.now(UTC)
    ages = {"old": timedelta(days=31), "edge": timedelta(days=29), "new": timedelta(0)}
    await db_session.execute(
        insert(ApiRequest),
        [
            {
                "at": now - age,
                "service": unique_name,
                "method": "GET",
                "endpoint": f"/{name}",
                "status": 200,
                "latency_ms": 1.0,
            }
            for name, age in ages.items()
        ],
    )
    result = await purge_audit_trail(db_session, now=now, retention=timedelta(days=30))

    left = await db_session.scalars(
        select(ApiRequest.endpoint).where(ApiRequest.service == unique_name)
    )
    assert sorted(left) == ["/edge", "/new"]
    assert result.processed >= 1  # other tests' rows are recent
