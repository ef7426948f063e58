"""argon2id hashing for passwords and signup PINs.

Passwords use argon2's PHC string (salt and parameters inside). A PIN has only 10^8 values,
so it gets the same slow hash with its own random salt kept in ``pin_salt``; together with the
attempt limits (per request, and a global budget of wrong PINs) that makes an offline or
online guess expensive.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import Type, hash_secret_raw

from parley_auth.settings import AuthSettings

PIN_DIGITS = 8
_SALT_BYTES = 16


class Hasher:
    """Slow hashing, run off the event loop (argon2 takes tens of milliseconds of CPU)."""

    def __init__(self, settings: AuthSettings) -> None:
        self._time_cost = settings.argon2_time_cost
        self._memory_kib = settings.argon2_memory_kib
        self._parallelism = settings.argon2_parallelism
        self._passwords = PasswordHasher(
            time_cost=self._time_cost,
            memory_cost=self._memory_kib,
            parallelism=self._parallelism,
        )
        # Verified when the username is unknown, so both paths cost the same.
        self._dummy_hash = self._passwords.hash(secrets.token_urlsafe(16))

    async def hash_password(self, password: str) -> str:
        return await asyncio.to_thread(self._passwords.hash, password)

    async def verify_password(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; with no hash, burns the same time and says False."""
        return await asyncio.to_thread(self._verify, password_hash, password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            self._passwords.verify(password_hash or self._dummy_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return password_hash is not None

    async def hash_pin(self, pin: str, salt_hex: str) -> str:
        return await asyncio.to_thread(self._hash_pin, pin, salt_hex)

    def _hash_pin(self, pin: str, salt_hex: str) -> str:
        return hash_secret_raw(
            secret=pin.encode(),
            salt=bytes.fromhex(salt_hex),
            time_cost=self._time_cost,
            memory_cost=self._memory_kib,
            parallelism=self._parallelism,
            hash_len=32,
            type=Type.ID,
        ).hex()

    async def verify_pin(self, pin: str, salt_hex: str, pin_hash: str) -> bool:
        candidate = await self.hash_pin(pin, salt_hex)
        return hmac.compare_digest(candidate, pin_hash)


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def new_pin_salt() -> str:
    return secrets.token_hex(_SALT_BYTES)
