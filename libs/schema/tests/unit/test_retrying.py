"""The shared backoff policy and Retry-After parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parley_schema.retrying import Backoff, retry_after_seconds


@given(attempt=st.integers(1, 30))
def test_backoff_is_jittered_below_an_exponential_cap(attempt: int) -> None:
    policy = Backoff(base_s=0.5, max_s=30)
    assert 0 <= policy.delay(attempt) <= min(30, 0.5 * 2 ** (attempt - 1))


def test_retry_after_is_a_floor_capped_at_the_maximum() -> None:
    policy = Backoff(base_s=0.5, max_s=30)
    assert 7 <= policy.delay(1, retry_after_s=7) <= 7.5
    assert 30 <= policy.delay(1, retry_after_s=600) <= 30.5


def test_delta_seconds_are_used_as_given() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(" 120 ") == 120.0
    assert retry_after_seconds("0.2") == 0.2


def test_an_http_date_becomes_the_seconds_until_it() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    when = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(when, now=now) == 30.0
    assert retry_after_seconds(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0


@pytest.mark.parametrize("value", [None, "", "  ", "soon", "-1", "1.5e3"])
def test_missing_or_unreadable_values_are_none(value: str | None) -> None:
    assert retry_after_seconds(value) is None
