"""Redactors: personal and secret values replaced by a typed placeholder before anything is stored.

Each redactor finds candidates with a pattern and keeps only those a checker confirms, so
look-alikes stay searchable: a card number must pass the Luhn check (``python-stdnum``) and
start like a card network's number, an IBAN must pass ISO 13616's checksum and length for its
country (``python-stdnum``), a phone number must be valid for its region (``phonenumbers``).
They run in a fixed order, ``secret`` first (a token may hold digit runs) and ``iban`` before
``card`` (an IBAN's digits can pass Luhn), and the placeholders (``[card]``…) match none of
them, so applying a redactor twice changes nothing.

What each one catches and misses is measured on ``bench/redaction/corpus.jsonl`` by
``bench/redaction/run.py`` (README, "Operating: personal data").

Shared by ingest (before anything is stored) and search-api (before anything is sent to an
external model); ``RedactorNames`` and ``PhoneRegion`` are their settings' types.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Annotated, Any

import phonenumbers
from pydantic import AfterValidator, BeforeValidator
from pydantic_settings import NoDecode
from stdnum import iban, luhn


class RedactorName(StrEnum):
    SECRET = "secret"  # noqa: S105 - the name of a redactor, not a secret
    IBAN = "iban"
    CARD = "card"
    EMAIL = "email"
    PHONE = "phone"


DEFAULT_REDACTORS = (RedactorName.CARD, RedactorName.IBAN, RedactorName.SECRET)


def _comma_separated(value: object) -> object:
    if isinstance(value, str):
        return [name.strip().lower() for name in value.split(",") if name.strip()]
    return value


def _known_region(region: str | None) -> str | None:
    if region is None:
        return None
    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"not a region phonenumbers knows: {region!r} (e.g. DE, US, FR)")
    return region.upper()


# A setting naming redactors: ``card,iban,secret,email,phone`` in the environment; empty: none.
RedactorNames = Annotated[list[RedactorName], NoDecode, BeforeValidator(_comma_separated)]
# A setting naming the region whose national phone formats the phone redactor knows.
PhoneRegion = Annotated[str | None, AfterValidator(_known_region)]
_ORDER = tuple(RedactorName)  # the order they run in, whatever order they are configured in

# 13 to 19 digits, single spaces or dashes between them, not part of a longer word, number,
# international phone number (+49…), hex code (0x…), version (1.2.3) or decimal.
_CARD = re.compile(r"(?<![\w.,/+-])\d(?:[ -]?\d){12,18}(?![\w/-]|[.,]\d)")
# Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37, Diners 30/36/38/39, JCB 35,
# Discover/UnionPay/Maestro 6, Maestro 50/56-58.
_CARD_NETWORK = re.compile(r"^(?:4|5[0-8]|2[2-7]|3[04-9]|6)")

# A country code, two check digits, then 11-30 letters or digits, in groups of up to four
# separated by single spaces or not at all. Candidates are shortened group by group until
# one is a valid IBAN, so the words that follow one do not spoil it.
_IBAN = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}+){3,8}(?![\w-])", re.IGNORECASE)

_LABELLED_VALUE = r"[^\s\"'<>]{3,}"
_SECRET_AFTER_LABEL = re.compile(
    r"(?i)\b(?P<label>pass(?:word|wort|wd|phrase)?|pwd?|kennwort|contrase[ñn]a|mot de passe"
    r"|api[ _-]?key|secret|access[ _-]?token|auth[ _-]?token|token|pin)"
    rf"(?P<sep>\s*[:=]\s*)(?P<value>{_LABELLED_VALUE})"
)
_SECRET_TOKENS = re.compile(
    r"(?<![\w-])(?:"
    r"sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"  # OpenAI, Anthropic
    r"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"  # GitHub
    r"|glpat-[A-Za-z0-9_-]{20,}"  # GitLab
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}"  # AWS access key id
    r"|AIza[0-9A-Za-z_-]{35}"  # Google API key
    r"|[rsp]k_(?:live|test)_[0-9A-Za-z]{16,}"  # Stripe
    r"|prl_[A-Za-z0-9_-]{20,}"  # Parley's own API tokens
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"  # JWT
    r")"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/-]{20,}=*"
    # The body as base64 lines only, so an unterminated BEGIN costs one scan, not one per BEGIN.
    r"|-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----[A-Za-z0-9+/=\s]*-----END [A-Z ]{0,20}PRIVATE KEY-----"
)

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![\w-])"
)


def placeholder(name: RedactorName) -> str:
    return f"[{name.value}]"


def _redact_cards(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"[ -]", "", match.group())
        if _CARD_NETWORK.match(digits) and luhn.is_valid(digits):
            return placeholder(RedactorName.CARD)
        return match.group()

    return _CARD.sub(replace, text)


def _redact_ibans(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        candidate = match.group()
        while True:
            if iban.is_valid(candidate.upper()):
                return placeholder(RedactorName.IBAN) + match.group()[len(candidate) :]
            shorter, _, _ = candidate.rpartition(" ")
            if not shorter:
                return match.group()
            candidate = shorter

    return _IBAN.sub(replace, text)


def _redact_secrets(text: str) -> str:
    secret = placeholder(RedactorName.SECRET)
    text = _SECRET_TOKENS.sub(secret, text)
    return _SECRET_AFTER_LABEL.sub(
        lambda match: (
            match.group()
            if match.group("value") == secret
            else f"{match.group('label')}{match.group('sep')}{secret}"
        ),
        text,
    )


def _redact_emails(text: str) -> str:
    return _EMAIL.sub(placeholder(RedactorName.EMAIL), text)


# Candidates phonenumbers' matcher tries per string, each about 0.1-0.25 ms: its default
# (65,535) let one 200 kB string of digits and spaces take 15 s. Past it the rest of the
# string is not scanned for phone numbers.
PHONE_MAX_TRIES = 1000


def _phone_redactor(region: str | None) -> Callable[[str], str]:
    """Valid numbers for ``region`` (national formats), and any region's ``+…`` numbers."""

    def redact(text: str) -> str:
        if not any(character.isdigit() for character in text):
            return text
        matcher = phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID, max_tries=PHONE_MAX_TRIES
        )
        parts: list[str] = []
        end = 0
        for match in matcher:
            parts += [text[end : match.start], placeholder(RedactorName.PHONE)]
            end = match.end
        return "".join(parts) + text[end:] if parts else text

    return redact


class Redactor:
    """The configured redactors, applied in their fixed order to text and to raw JSON."""

    def __init__(self, names: Iterable[RedactorName], *, phone_region: str | None = None) -> None:
        enabled = frozenset(names)
        self.names = tuple(name for name in _ORDER if name in enabled)
        steps: dict[RedactorName, Callable[[str], str]] = {
            RedactorName.SECRET: _redact_secrets,
            RedactorName.IBAN: _redact_ibans,
            RedactorName.CARD: _redact_cards,
            RedactorName.EMAIL: _redact_emails,
            RedactorName.PHONE: _phone_redactor(phone_region),
        }
        self._steps = [steps[name] for name in self.names]

    def text(self, value: str) -> str:
        for step in self._steps:
            value = step(value)
        return value

    def optional_text(self, value: str | None) -> str | None:
        return None if value is None else self.text(value)

    def json(self, value: Any) -> Any:
        """Every string in a JSON value redacted (object keys stay as they are)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.json(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.json(item) for item in value]
        return value
