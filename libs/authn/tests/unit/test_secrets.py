"""Secret generation, hashing, CSRF derivation and bearer-header parsing: pure logic."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st
from parley_authn import (
    API_TOKEN_PREFIX,
    bearer_token,
    csrf_token_for,
    csrf_token_matches,
    hash_secret,
    new_api_token,
    new_session_secret,
    shown_prefix,
)


def test_session_secrets_are_long_random_and_distinct() -> None:
    secrets = {new_session_secret() for _ in range(200)}
    assert len(secrets) == 200
    assert all(len(s) >= 43 for s in secrets)  # 32 random bytes, base64url


def test_api_tokens_carry_the_prefix_and_are_distinct() -> None:
    tokens = {new_api_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(t.startswith(API_TOKEN_PREFIX) and len(t) >= 47 for t in tokens)


def test_hash_is_sha256_hex_and_never_the_value() -> None:
    token = new_api_token()
    assert hash_secret(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token not in hash_secret(token)


def test_shown_prefix_reveals_only_a_short_head() -> None:
    token = new_api_token()
    prefix = shown_prefix(token)
    assert token.startswith(prefix)
    assert prefix.startswith(API_TOKEN_PREFIX)
    assert len(prefix) == len(API_TOKEN_PREFIX) + 8


def test_csrf_token_is_bound_to_its_session_and_differs_from_the_stored_hash() -> None:
    one, other = new_session_secret(), new_session_secret()
    assert csrf_token_matches(one, csrf_token_for(one))
    assert not csrf_token_matches(one, csrf_token_for(other))
    assert csrf_token_for(one) != hash_secret(one)
    assert not csrf_token_matches(one, None)
    assert not csrf_token_matches(one, "")


@given(st.text(max_size=200))
def test_arbitrary_presented_csrf_values_never_raise(presented: str) -> None:
    secret = "fixed-secret"
    assert csrf_token_matches(secret, presented) == (presented == csrf_token_for(secret))


@given(st.text(max_size=200))
def test_hashing_accepts_any_text(value: str) -> None:
    assert len(hash_secret(value)) == 64


class TestBearerToken:
    def test_reads_the_token(self) -> None:
        assert bearer_token("Bearer prl_abc") == "prl_abc"
        assert bearer_token("bearer   prl_abc  ") == "prl_abc"

    def test_other_schemes_and_empty_values_give_none(self) -> None:
        assert bearer_token(None) is None
        assert bearer_token("") is None
        assert bearer_token("Basic dXNlcjpwdw==") is None
        assert bearer_token("Bearer") is None
        assert bearer_token("Bearer   ") is None
