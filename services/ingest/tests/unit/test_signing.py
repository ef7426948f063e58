from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st
from parley_ingest.webhooks.signing import parse_timestamp, sign, signature_matches


def test_signature_is_chatwoots_hmac_over_timestamp_dot_body() -> None:
    expected = hmac.new(b"secret", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign("secret", "1700000000", b"{}") == f"sha256={expected}"


@given(st.binary(max_size=200), st.text(min_size=1, max_size=20))
def test_only_the_same_secret_timestamp_and_body_match(body: bytes, secret: str) -> None:
    signature = sign(secret, "1700000000", body)
    assert signature_matches(secret, "1700000000", body, signature)
    assert not signature_matches(secret + "x", "1700000000", body, signature)
    assert not signature_matches(secret, "1700000001", body, signature)
    assert not signature_matches(secret, "1700000000", body + b" ", signature)


def test_timestamps_must_be_plain_unix_seconds() -> None:
    assert parse_timestamp("1700000000") == 1700000000
    assert parse_timestamp("-5") is None
    assert parse_timestamp("1.5") is None
    assert parse_timestamp("١٢٣") is None  # non-ASCII digits
    assert parse_timestamp("9" * 20) is None
