"""``/v1/auth/login``, ``/logout``, ``/logout-all``, ``/me``, ``/session/active-project``."""

from __future__ import annotations

from fastapi import APIRouter, Response
from parley_runtime.database import SessionDep
from parley_runtime.error_handlers import error_responses

from parley_auth.deps import (
    ClientAddressDep,
    CurrentPrincipal,
    CurrentUser,
    NowDep,
    SessionCookiesDep,
    SessionServiceDep,
)
from parley_auth.sessions.schemas import (
    ActiveProjectUpdate,
    LoginRequest,
    MeRead,
    SessionCreated,
    TokenSessionCreated,
)

# Every route may answer 422 (invalid input) and 503 (a statement timed out); a route with a
# body also 400 (a body that is not UTF-8 cannot be parsed).
router = APIRouter(tags=["sessions"], responses=error_responses(422, 503))
SIGNED_IN = error_responses(401, 403)  # not_authenticated; session_required, csrf_rejected


@router.post("/login", responses=error_responses(400, 401, 429))
async def login(
    body: LoginRequest,
    response: Response,
    session: SessionDep,
    sessions: SessionServiceDep,
    cookies: SessionCookiesDep,
    address: ClientAddressDep,
    now: NowDep,
) -> SessionCreated:
    result = await sessions.login(session, body, address=address, now=now)
    cookies.set(response, result.secret)
    return result.created


@router.post("/login/token", responses=error_responses(400, 401, 429))
async def login_token(
    body: LoginRequest,
    session: SessionDep,
    sessions: SessionServiceDep,
    address: ClientAddressDep,
    now: NowDep,
) -> TokenSessionCreated:
    """A session sent as `Authorization: Bearer prs_…` instead of a cookie (the web UI, also
    inside Chatwoot's cross-site iframe); no cookie is set, so no CSRF token is needed."""
    return await sessions.login_token(session, body, address=address, now=now)


@router.post("/logout", status_code=204, responses=SIGNED_IN)
async def logout(
    me: CurrentUser,
    session: SessionDep,
    sessions: SessionServiceDep,
    cookies: SessionCookiesDep,
    response: Response,
) -> None:
    await sessions.logout(session, me)
    cookies.clear(response)


@router.post("/logout-all", status_code=204, responses=SIGNED_IN)
async def logout_all(
    me: CurrentUser,
    session: SessionDep,
    sessions: SessionServiceDep,
    cookies: SessionCookiesDep,
    response: Response,
) -> None:
    await sessions.logout_all(session, me)
    cookies.clear(response)


@router.get("/me", responses=error_responses(401))
async def read_me(me: CurrentPrincipal, sessions: SessionServiceDep) -> MeRead:
    return sessions.me(me)


@router.put("/session/active-project", responses=error_responses(400, 401, 403, 404))
async def set_active_project(
    body: ActiveProjectUpdate, me: CurrentUser, session: SessionDep, sessions: SessionServiceDep
) -> MeRead:
    return await sessions.set_active_project(session, me, body)
