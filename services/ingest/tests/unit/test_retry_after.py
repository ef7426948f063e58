from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from parley_ingest.backfill.client import MAX_RETRY_AFTER_S, retry_after_seconds


def test_delta_seconds_are_used_as_given() -> None:
    assert retry_after_seconds("3", default=0.5) == 3.0


def test_an_http_date_becomes_the_seconds_until_it() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_seconds(when, default=0.5) <= 30


@pytest.mark.parametrize("value", [None, "", "soon", "-1"])
def test_missing_or_unreadable_values_fall_back_to_the_default(value: str | None) -> None:
    assert retry_after_seconds(value, default=0.5) == 0.5


def test_waits_are_capped() -> None:
    assert retry_after_seconds("86400", default=0.5) == MAX_RETRY_AFTER_S
