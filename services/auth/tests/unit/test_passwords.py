"""Password and PIN hashing: argon2id everywhere, equal cost for unknown users."""

from __future__ import annotations

from collections import Counter

from argon2 import extract_parameters
from argon2.low_level import Type
from parley_auth.passwords import Hasher, new_pin, new_pin_salt
from parley_auth.settings import AuthSettings

SETTINGS = AuthSettings(argon2_time_cost=1, argon2_memory_kib=8192)


async def test_password_hash_is_argon2id_and_verifies() -> None:
    hasher = Hasher(SETTINGS)
    stored = await hasher.hash_password("a long enough password")
    assert stored.startswith("$argon2id$")
    assert await hasher.verify_password(stored, "a long enough password")
    assert not await hasher.verify_password(stored, "another password")


async def test_unknown_user_path_verifies_a_hash_of_equal_cost() -> None:
    """Login with an unknown username runs the same argon2id work as a wrong password."""
    hasher = Hasher(SETTINGS)
    real = extract_parameters(await hasher.hash_password("x" * 12))
    dummy = extract_parameters(hasher._dummy_hash)
    assert dummy == real
    assert dummy.type is Type.ID
    assert not await hasher.verify_password(None, "anything")
    assert not await hasher.verify_password(None, "")


async def test_corrupt_stored_hash_is_a_mismatch_not_a_crash() -> None:
    hasher = Hasher(SETTINGS)
    assert not await hasher.verify_password("not-a-hash", "whatever")


async def test_pin_hash_depends_on_its_salt_and_verifies() -> None:
    hasher = Hasher(SETTINGS)
    salt, other_salt = new_pin_salt(), new_pin_salt()
    pin_hash = await hasher.hash_pin("12345678", salt)
    assert pin_hash != await hasher.hash_pin("12345678", other_salt)
    assert "12345678" not in pin_hash
    assert await hasher.verify_pin("12345678", salt, pin_hash)
    assert not await hasher.verify_pin("12345679", salt, pin_hash)


def test_pins_are_eight_digits_and_spread_over_all_digits() -> None:
    pins = [new_pin() for _ in range(2000)]
    assert all(len(p) == 8 and p.isdigit() for p in pins)
    first_digits = Counter(p[0] for p in pins)
    assert set(first_digits) == set("0123456789")  # leading zeros are kept
    assert len(set(pins)) > 1990
