"""The caller dependencies on a minimal FastAPI app over the real schema: 401 without a
valid credential, the CSRF rule on writes through ``caller`` and never through ``reader``,
the audit caller, and the schemes in the OpenAPI document."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from parley_authn import (
    CSRF_HEADER,
    SESSION_COOKIE,
    ScopedPrincipal,
    authenticate,
    csrf_token_for,
    hash_secret,
    new_session_secret,
)
from parley_authn.dependencies import Credentials, Resolve, caller_dependencies
from parley_runtime.audit.caller import STATE_KEY
from parley_runtime.database import get_session
from parley_runtime.error_handlers import add_error_handlers
from parley_schema.models import AppUser, Session
from sqlalchemy.ext.asyncio import AsyncSession


async def _resolver() -> Resolve:
    async def resolve(session: AsyncSession, credentials: Credentials) -> ScopedPrincipal | None:
        return await authenticate(
            session,
            cookie=credentials.cookie,
            authorization_header=credentials.authorization,
            now=datetime.now(UTC),
            idle_timeout=timedelta(hours=1),
        )

    return resolve


callers = caller_dependencies(
    _resolver, bearer_description="an API token", cookie_description="a session cookie"
)
Caller = Annotated[ScopedPrincipal, Depends(callers.caller)]
Reader = Annotated[ScopedPrincipal, Depends(callers.reader)]


def build_app(session: AsyncSession) -> FastAPI:
    app = FastAPI()
    add_error_handlers(app)

    async def the_test_session() -> AsyncIterator[AsyncSession]:
        yield session

    app.dependency_overrides[get_session] = the_test_session

    @app.post("/write")
    async def write(caller: Caller, request: Request) -> dict[str, str]:
        return {
            "user": caller.principal.username,
            "audit": str(getattr(request.state, STATE_KEY).user_id),
        }

    @app.post("/read")
    async def read(reader: Reader) -> dict[str, str]:
        return {"user": reader.principal.username}

    return app


@pytest.fixture
async def cookie(db_session: AsyncSession) -> tuple[str, uuid.UUID]:
    user = AppUser(username=f"user-{uuid.uuid4().hex[:10]}", password_hash="x")
    db_session.add(user)
    await db_session.flush()
    secret = new_session_secret()
    db_session.add(
        Session(
            session_id=hash_secret(secret),
            user_id=user.id,
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
    )
    await db_session.flush()
    return secret, user.id


async def test_the_csrf_rule_applies_to_callers_and_not_to_readers(
    db_session: AsyncSession, cookie: tuple[str, uuid.UUID]
) -> None:
    secret, user_id = cookie
    transport = httpx.ASGITransport(app=build_app(db_session))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://app", cookies={SESSION_COOKIE: secret}
    ) as client:
        refused = await client.post("/write")
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "csrf_rejected")
        done = await client.post("/write", headers={CSRF_HEADER: csrf_token_for(secret)})
        assert done.status_code == 200
        assert done.json()["audit"] == str(user_id)
        assert (await client.post("/read")).status_code == 200


async def test_no_or_a_bad_credential_is_401_even_with_a_cookie_riding_along(
    db_session: AsyncSession, cookie: tuple[str, uuid.UUID]
) -> None:
    secret, _ = cookie
    transport = httpx.ASGITransport(app=build_app(db_session))
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        for path in ("/read", "/write"):
            answer = await client.post(path)
            assert (answer.status_code, answer.json()["error"]["code"]) == (
                401,
                "not_authenticated",
            )
        client.cookies.set(SESSION_COOKIE, secret)
        bad = await client.post("/read", headers={"Authorization": "Bearer prl_unknown"})
        assert bad.status_code == 401


def test_the_openapi_document_names_the_three_schemes(db_session: AsyncSession) -> None:
    schemes = build_app(db_session).openapi()["components"]["securitySchemes"]
    assert sorted(schemes) == ["api_token", "csrf", "session"]
    assert schemes["session"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "a session cookie",
    }
