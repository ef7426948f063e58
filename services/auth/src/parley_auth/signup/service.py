"""Signup with a PIN the instance owner receives on Telegram and passes on.

``create`` stores the username, an argon2id password hash and the PIN's argon2id hash with
its own salt, then sends the PIN to the owner; if that fails nothing is stored. A taken
username gets the same answer as a free one (no enumeration) but no PIN is sent for it.

``confirm`` first counts the attempt in its own committed transaction (an atomic
``attempt_count + 1`` that only succeeds while the request is unused, unexpired and under the
limit), so a wrong PIN cannot be retried more than ``signup_max_pin_attempts`` times even by
parallel requests; only then is the PIN checked and the user created, once (``used_at``).
"""

from __future__ import annotations

from datetime import datetime

import structlog
from parley_schema.models import SignupRequest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_auth.passwords import Hasher, new_pin, new_pin_salt
from parley_auth.ratelimits.service import Limit, RateLimitService
from parley_auth.settings import AuthSettings
from parley_auth.signup.errors import (
    SignupExpired,
    SignupLocked,
    SignupNotFound,
    SignupUsed,
    WrongPin,
)
from parley_auth.signup.repository import signup_repository
from parley_auth.signup.schemas import SignupAccepted, SignupConfirm, SignupCreate
from parley_auth.telegram.service import TelegramService
from parley_auth.users.repository import user_repository
from parley_auth.users.schemas import UserRead
from parley_auth.users.service import UserService

log = structlog.get_logger(__name__)


class SignupService:
    def __init__(
        self,
        *,
        settings: AuthSettings,
        hasher: Hasher,
        users: UserService,
        telegram: TelegramService,
        rate_limits: RateLimitService,
        session_factory: async_sessionmaker[AsyncSession],
    ) -> None:
        self._settings = settings
        self._hasher = hasher
        self._users = users
        self._telegram = telegram
        self._rate_limits = rate_limits
        # The PIN attempt is committed in a transaction of its own (see the module docstring).
        self._session_factory = session_factory
        self._signup_limit = Limit(
            "signup", settings.signup_limit_per_user, settings.signup_limit_per_address
        )
        self._confirm_limit = Limit(
            "confirm", settings.confirm_limit_per_user, settings.confirm_limit_per_address
        )

    async def create(
        self, session: AsyncSession, body: SignupCreate, *, address: str, now: datetime
    ) -> SignupAccepted:
        await self._rate_limits.hit(
            self._signup_limit, username=body.username, address=address, now=now
        )
        pin, pin_salt = new_pin(), new_pin_salt()
        request = await signup_repository.add(
            session,
            SignupRequest(
                username=body.username,
                password_hash=await self._hasher.hash_password(body.password),
                pin_hash=await self._hasher.hash_pin(pin, pin_salt),
                pin_salt=pin_salt,
                expires_at=now + self._settings.signup_pin_ttl,
            ),
        )
        if await user_repository.get_by_username(session, body.username) is None:
            await self._telegram.send_pin(
                session,
                username=body.username,
                pin=pin,
                minutes=self._settings.signup_pin_ttl_s // 60,
            )
        else:
            log.info("signup_for_taken_username", request_id=str(request.id))
        log.info("signup_requested", request_id=str(request.id))
        return SignupAccepted(request_id=request.id, expires_at=request.expires_at)

    async def confirm(
        self, session: AsyncSession, body: SignupConfirm, *, address: str, now: datetime
    ) -> UserRead:
        request = await signup_repository.get(session, body.request_id)
        await self._rate_limits.hit(
            self._confirm_limit,
            username=request.username if request else f"request:{body.request_id}",
            address=address,
            now=now,
        )
        if request is None:
            raise SignupNotFound("no such signup request", field="request_id")
        max_attempts = self._settings.signup_max_pin_attempts
        async with self._session_factory() as counter, counter.begin():
            attempts = await signup_repository.claim_attempt(
                counter, request.id, now=now, max_attempts=max_attempts
            )
        if attempts is None:
            current = await signup_repository.get(session, request.id)
            raise self._why_dead(current or request)
        if not await self._hasher.verify_pin(body.pin, request.pin_salt, request.pin_hash):
            remaining = max_attempts - attempts
            log.info("signup_pin_wrong", request_id=str(request.id), remaining=remaining)
            raise WrongPin(f"wrong PIN; {remaining} attempts left", field="pin")
        if not await signup_repository.mark_used(session, request.id, now):
            raise SignupUsed("this signup request was confirmed already")
        user = await self._users.create_with_hash(
            session, username=request.username, password_hash=request.password_hash
        )
        log.info("signup_confirmed", request_id=str(request.id), user_id=str(user.id))
        return UserRead(id=user.id, username=user.username)

    def _why_dead(self, request: SignupRequest) -> SignupUsed | SignupExpired | SignupLocked:
        if request.used_at is not None:
            return SignupUsed("this signup request was confirmed already")
        if request.attempt_count >= self._settings.signup_max_pin_attempts:
            return SignupLocked("too many wrong PINs; this signup request is dead, sign up again")
        # Not used, not locked, yet the attempt was refused: it has expired.
        return SignupExpired("this signup request has expired; sign up again")
