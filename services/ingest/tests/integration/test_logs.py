"""Nothing secret in ingest's log lines: the webhook URL token never appears, whatever
happens to the delivery (accepted, refused, failing with a 500)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from parley_ingest.main import create_app
from parley_ingest.settings import IngestSettings
from parley_runtime.database import get_session
from parley_runtime.error_handlers import route_template
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

MESSAGE = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "02_message_created_incoming.json").read_text()
)
TOKEN_ROUTE = "/v1/webhooks/chatwoot/{token}"
GUESSED_TOKEN = "guessed-token-0123456789abcdef-0123456789"


def rendered(records: list[logging.LogRecord]) -> str:
    """Every captured line's fields and traceback, as text."""
    formatter = logging.Formatter()
    return "\n".join(
        f"{record.msg}{formatter.formatException(record.exc_info) if record.exc_info else ''}"
        for record in records
    )


def url_token(settings: IngestSettings) -> str:
    return settings.chatwoot_webhook_url_tokens[2].get_secret_value()


async def test_deliveries_to_the_token_route_never_log_the_token(
    client: httpx.AsyncClient, ingest_settings: IngestSettings, caplog: pytest.LogCaptureFixture
) -> None:
    token = url_token(ingest_settings)
    route = f"/v1/webhooks/chatwoot/{token}"
    body = dict(MESSAGE, account={"id": 2, "name": "Legacy"})
    caplog.set_level(logging.DEBUG)
    answers = [
        await client.post(route, json=body),
        await client.post(route, json=body, headers={"x-chatwoot-timestamp": "999999999999"}),
        await client.post(route, content=b"{not json"),
        await client.post(route, json=dict(body, id="not-a-number")),
        await client.post(route, json=dict(body, account={"id": 1})),
        await client.post(route, content=b"x" * (2 * 1024 * 1024)),
        await client.post(f"/v1/webhooks/chatwoot/{GUESSED_TOKEN}", json=body),
    ]
    assert [answer.status_code for answer in answers] == [200, 401, 400, 422, 401, 413, 401]
    lines = rendered(caplog.records)
    assert "webhook_stored" in lines
    assert "webhook_refused" in lines
    assert token not in lines
    assert GUESSED_TOKEN not in lines


async def test_an_unexpected_error_logs_the_route_template_not_the_token(
    ingest_settings: IngestSettings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(ingest_settings)

    async def database_gone() -> AsyncIterator[AsyncSession]:
        raise RuntimeError("the database went away")
        yield  # pragma: no cover - a generator that fails before yielding

    app.dependency_overrides[get_session] = database_gone
    token = url_token(ingest_settings)
    caplog.set_level(logging.DEBUG)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as http:
            response = await http.post(
                f"/v1/webhooks/chatwoot/{token}",
                json=MESSAGE,
                headers={"x-chatwoot-timestamp": str(int(time.time()))},
            )
    assert response.status_code == 500
    errors = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    assert {"event": "unhandled_error", "path": TOKEN_ROUTE}.items() <= next(
        event for event in errors if event.get("event") == "unhandled_error"
    ).items()
    assert token not in rendered(caplog.records)


def test_a_path_no_route_matched_is_logged_redacted() -> None:
    token = "0123456789abcdef0123456789abcdef"
    scope = {"type": "http", "path": f"/v1/webhooks/chatwoot/{token}/42", "headers": []}
    assert route_template(Request(scope)) == "/v1/webhooks/chatwoot/{redacted}/{redacted}"


def test_uvicorn_writes_no_access_lines_for_the_app(ingest_settings: IngestSettings) -> None:
    """uvicorn logs request lines (paths, tokens included) whenever its access logger has a
    handler anywhere up the tree; the app leaves it none."""
    create_app(ingest_settings)
    assert not logging.getLogger("uvicorn.access").hasHandlers()
