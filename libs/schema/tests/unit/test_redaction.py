"""Each redactor on values it must catch and on look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parley_schema.redaction import Redactor, RedactorName


def redact(name: str, text: str, *, region: str | None = None) -> str:
    return Redactor([RedactorName(name)], phone_region=region).text(text)


CAUGHT = [
    ("card", "pay with 4111 1111 1111 1111 now", "pay with [card] now"),
    ("card", "card 4111111111111111.", "card [card]."),
    ("card", "Mastercard 5500-0000-0000-0004", "Mastercard [card]"),
    ("card", "Amex 378282246310005 ok", "Amex [card] ok"),
    ("card", "Amex 3782 822463 10005", "Amex [card]"),
    ("iban", "IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX", "IBAN [iban] BIC COBADEFFXXX"),
    ("iban", "an DE89370400440532013000.", "an [iban]."),
    ("iban", "GB82 WEST 1234 5698 7654 32", "[iban]"),
    ("secret", "password: hunter2!", "password: [secret]"),
    ("secret", "Passwort=Sommer2026", "Passwort=[secret]"),
    ("secret", "pw: kX9#mq2 thanks", "pw: [secret] thanks"),
    ("secret", "key sk-proj-abcdefghijklmnopqrstuvwx", "key [secret]"),
    ("secret", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "[secret]"),
    ("secret", "xoxb-2048-1024-AbCdEfGhIjKlMnOp here", "[secret] here"),
    ("secret", "AKIAIOSFODNN7EXAMPLE", "[secret]"),
    (
        "secret",
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0",
        "jwt [secret]",
    ),
    ("secret", "Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345", "Authorization: [secret]"),
    ("email", "write to anna.m+support@example.co.uk.", "write to [email]."),
    ("phone", "call +49 151 23456789", "call [phone]"),
]

LEFT_ALONE = [
    ("card", "Order 4111 1111 1111 1112 shipped"),  # fails Luhn
    ("card", "order 1234567812345670 ok"),  # passes Luhn, but no card network starts with 1
    ("card", "Error 0x80070005 again"),
    ("card", "build 10.0.19045.3803"),
    ("card", "tracking 1Z999AA10123456784"),
    ("card", "USPS 9400111899223456789012"),
    ("card", "Call +4111111111111111"),  # an international number, not a card
    ("card", "total 4,111,111,111,111,111.00"),
    ("iban", "IBAN DE89 3704 0044 0532 0130 01"),  # wrong check digits
    ("iban", "VAT DE123456789"),
    ("iban", "BIC COBADEFFXXX"),
    ("secret", "I forgot my password, please reset it"),
    ("secret", "the token expired"),
    ("secret", "we use sk-learn"),
    ("secret", "password:"),
    ("email", "follow @acmesupport"),
    ("email", "user@localhost"),
    ("phone", "Order 1234567 shipped"),
    ("phone", "Invoice 2026-12-01"),
]


@pytest.mark.parametrize(("name", "text", "expected"), CAUGHT)
def test_redactor_replaces_the_value_with_its_placeholder(
    name: str, text: str, expected: str
) -> None:
    assert redact(name, text) == expected


@pytest.mark.parametrize(("name", "text"), LEFT_ALONE)
def test_redactor_leaves_look_alikes_alone(name: str, text: str) -> None:
    assert redact(name, text, region="DE") == text


def test_national_phone_numbers_need_the_region() -> None:
    assert redact("phone", "Tel. 030 1234567") == "Tel. 030 1234567"
    assert redact("phone", "Tel. 030 1234567", region="DE") == "Tel. [phone]"


def test_iban_runs_before_card_and_secret_before_both_whatever_the_configured_order() -> None:
    redactor = Redactor([RedactorName.CARD, RedactorName.IBAN, RedactorName.SECRET])
    assert redactor.names == (RedactorName.SECRET, RedactorName.IBAN, RedactorName.CARD)
    # The IBAN's digits after "DE44" pass Luhn: redacted as a card they would leave "DE44".
    assert redactor.text("IBAN: DE44 5001 0517 5407 3249 31") == "IBAN: [iban]"


def test_json_values_are_redacted_and_keys_and_other_types_kept() -> None:
    redactor = Redactor([RedactorName.CARD])
    raw = {"content": "4111111111111111", "4111111111111111": [1, None, {"x": "4111111111111111"}]}
    assert redactor.json(raw) == {
        "content": "[card]",
        "4111111111111111": [1, None, {"x": "[card]"}],
    }


@given(st.text())
def test_redacting_twice_changes_nothing_more(text: str) -> None:
    redactor = Redactor(list(RedactorName), phone_region="DE")
    once = redactor.text(text)
    assert redactor.text(once) == once
