"""``/v1/auth/signup`` and ``/v1/auth/signup/confirm``."""

from __future__ import annotations

from fastapi import APIRouter
from parley_runtime.database import SessionDep
from parley_runtime.error_handlers import error_responses

from parley_auth.deps import ClientAddressDep, NowDep, SignupServiceDep
from parley_auth.signup.schemas import SignupAccepted, SignupConfirm, SignupCreate
from parley_auth.users.schemas import UserRead

# 400 a body that cannot be parsed, 422 invalid input, 429 rate limits and caps,
# 503 signup_unavailable / telegram_unavailable / request_timeout.
router = APIRouter(prefix="/signup", tags=["signup"], responses=error_responses(422, 429, 503))


@router.post("", status_code=202, responses=error_responses(400))
async def create_signup(
    body: SignupCreate,
    session: SessionDep,
    signup: SignupServiceDep,
    address: ClientAddressDep,
    now: NowDep,
) -> SignupAccepted:
    return await signup.create(session, body, address=address, now=now)


@router.post("/confirm", status_code=201, responses=error_responses(400, 404, 409, 410))
async def confirm_signup(
    body: SignupConfirm,
    session: SessionDep,
    signup: SignupServiceDep,
    address: ClientAddressDep,
    now: NowDep,
) -> UserRead:
    return await signup.confirm(session, body, address=address, now=now)
