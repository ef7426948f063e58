"""``/v1/auth/signup`` and ``/v1/auth/signup/confirm``."""

from __future__ import annotations

from fastapi import APIRouter
from parley_runtime.database import SessionDep

from parley_auth.deps import ClientAddressDep, NowDep, SignupServiceDep
from parley_auth.signup.schemas import SignupAccepted, SignupConfirm, SignupCreate
from parley_auth.users.schemas import UserRead

router = APIRouter(prefix="/signup", tags=["signup"])


@router.post("", status_code=202)
async def create_signup(
    body: SignupCreate,
    session: SessionDep,
    signup: SignupServiceDep,
    address: ClientAddressDep,
    now: NowDep,
) -> SignupAccepted:
    return await signup.create(session, body, address=address, now=now)


@router.post("/confirm", status_code=201)
async def confirm_signup(
    body: SignupConfirm,
    session: SessionDep,
    signup: SignupServiceDep,
    address: ClientAddressDep,
    now: NowDep,
) -> UserRead:
    return await signup.confirm(session, body, address=address, now=now)
