"""Signup with a PIN the instance owner receives on Telegram and passes on.

Signup is open only while a Telegram owner is bound (a bot token is configured and the
owner's chat stored), or when ``signup_dev_pin_log`` writes PINs to the log (development);
otherwise it answers 503 ``signup_unavailable`` before anything is counted or stored.

``create`` stores the username, an argon2id password hash and the PIN's argon2id hash with
its own salt, then sends the PIN to the owner; if that fails nothing is stored. At most
``signup_pending_limit`` requests are pending (unused, unexpired) at once. A taken username
gets the same answer as a free one (no enumeration) but no PIN is sent for it.

``confirm`` guesses are bounded three ways, each counted in its own committed transaction:
the per-address and per-username rate limits; a global budget of wrong PINs (a slot is
reserved before the argon2 check, so even parallel guesses never evaluate more than the
budget, and given back unless the PIN was wrong); and per request, an atomic
``attempt_count + 1`` that only succeeds while the request is unused, unexpired and under
``signup_max_pin_attempts``. Only then is the PIN checked and the user created, once.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from parley_schema.models import SignupRequest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_auth.metrics import REFUSALS
from parley_auth.passwords import Hasher, new_pin, new_pin_salt
from parley_auth.ratelimits.service import Budget, Limit, RateLimitService
from parley_auth.settings import AuthSettings
from parley_auth.signup.errors import (
    ConfirmationsPaused,
    SignupExpired,
    SignupLocked,
    SignupNotFound,
    SignupUnavailable,
    SignupUsed,
    TooManyPendingSignups,
    WrongPin,
)
from parley_auth.signup.repository import NewSignup, signup_repository
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
            action="signup",
            per_address=settings.signup_limit_per_address,
            key_kind="user",
            per_key=settings.signup_limit_per_user,
        )
        self._confirm_limit = Limit(
            action="confirm",
            per_address=settings.confirm_limit_per_address,
            key_kind="user",
            per_key=settings.confirm_limit_per_user,
        )
        self._wrong_pins = Budget(
            name="pin_failures",
            failures="wrong PINs",
            limit=settings.signup_pin_failure_limit,
            window=settings.signup_pin_failure_window,
            error=ConfirmationsPaused,
        )

    async def create(
        self, session: AsyncSession, body: SignupCreate, *, address: str, now: datetime
    ) -> SignupAccepted:
        chat_id = await self._telegram.owner_chat(session)
        if chat_id is None and not self._settings.signup_dev_pin_log:
            raise SignupUnavailable(
                "signup is closed: the instance owner has not bound Telegram "
                "(parley auth bind-telegram)"
            )
        await self._rate_limits.hit(self._signup_limit, key=body.username, address=address, now=now)
        pin, pin_salt = new_pin(), new_pin_salt()
        new = NewSignup(
            username=body.username,
            password_hash=await self._hasher.hash_password(body.password),
            pin_hash=await self._hasher.hash_pin(pin, pin_salt),
            pin_salt=pin_salt,
            expires_at=now + self._settings.signup_pin_ttl,
        )
        request_id = await signup_repository.add_if_room(
            session, new, now=now, pending_limit=self._settings.signup_pending_limit
        )
        if request_id is None:
            REFUSALS.labels("pending_signups").inc()
            log.warning("signup_pending_limit", limit=self._settings.signup_pending_limit)
            raise TooManyPendingSignups(
                "too many signup requests are waiting for confirmation; try again later"
            )
        if await user_repository.get_by_username(session, body.username) is not None:
            log.info("signup_for_taken_username", request_id=str(request_id))
        elif chat_id is not None:
            await self._telegram.send_pin(
                chat_id,
                username=body.username,
                pin=pin,
                minutes=self._settings.signup_pin_ttl_s // 60,
            )
        else:
            # The one place a PIN is logged: PARLEY_SIGNUP_DEV_PIN_LOG, development only.
            log.warning(
                "signup_pin_dev_only",
                username=body.username,
                pin=pin,
                note="PARLEY_SIGNUP_DEV_PIN_LOG is on; never run like this in production",
            )
        log.info("signup_requested", request_id=str(request_id))
        return SignupAccepted(request_id=request_id, expires_at=new.expires_at)

    async def confirm(
        self, session: AsyncSession, body: SignupConfirm, *, address: str, now: datetime
    ) -> UserRead:
        request = await signup_repository.get(session, body.request_id)
        await self._rate_limits.hit(
            self._confirm_limit,
            key=request.username if request else f"request:{body.request_id}",
            address=address,
            now=now,
        )
        slot = await self._rate_limits.reserve(self._wrong_pins, now=now)
        if request is None:
            await self._rate_limits.give_back(slot)
            raise SignupNotFound("no such signup request", field="request_id")
        max_attempts = self._settings.signup_max_pin_attempts
        async with self._session_factory() as counter, counter.begin():
            attempts = await signup_repository.claim_attempt(
                counter, request.id, now=now, max_attempts=max_attempts
            )
        if attempts is None:
            await self._rate_limits.give_back(slot)
            current = await signup_repository.get(session, request.id)
            raise self._why_dead(current or request)
        if not await self._hasher.verify_pin(body.pin, request.pin_salt, request.pin_hash):
            remaining = max_attempts - attempts
            log.info("signup_pin_wrong", request_id=str(request.id), remaining=remaining)
            raise WrongPin(f"wrong PIN; {remaining} attempts left", field="pin")
        await self._rate_limits.give_back(slot)  # a right PIN is no failure
        if not await signup_repository.mark_used(session, request.id, now):
            raise SignupUsed("this signup request was confirmed already")
        user = await self._users.create_with_hash(
            session, username=request.username, password_hash=request.password_hash
        )
        log.info("signup_confirmed", request_id=str(request.id), user_id=str(user.id))
        return UserRead(id=user.id, username=user.username, is_admin=user.is_admin)

    def _why_dead(self, request: SignupRequest) -> SignupUsed | SignupExpired | SignupLocked:
        if request.used_at is not None:
            return SignupUsed("this signup request was confirmed already")
        if request.attempt_count >= self._settings.signup_max_pin_attempts:
            return SignupLocked("too many wrong PINs; this signup request is dead, sign up again")
        # Not used, not locked, yet the attempt was refused: it has expired.
        return SignupExpired("this signup request has expired; sign up again")
