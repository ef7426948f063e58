"""Ingest's redaction settings (the redactors themselves: libs/schema's test_redaction.py)."""

from __future__ import annotations

import pytest
from parley_ingest.settings import IngestSettings
from parley_schema.redaction import RedactorName
from pydantic import ValidationError


def test_settings_take_a_comma_separated_list_and_refuse_unknown_names() -> None:
    assert IngestSettings(redact="card, EMAIL").redact == [RedactorName.CARD, RedactorName.EMAIL]
    assert IngestSettings(redact="").redact == []
    assert IngestSettings().redact == [RedactorName.CARD, RedactorName.IBAN, RedactorName.SECRET]
    with pytest.raises(ValidationError):
        IngestSettings(redact="card,ssn")
    with pytest.raises(ValidationError):
        IngestSettings(redact_phone_region="XX")
