"""The attribute filter language: conditions ``{"key", "op", "value"}`` over Chatwoot's
``custom_attributes`` (of contacts or conversations), combined with AND.

The names and shapes are a public contract (outside tools build them). How values compare:

- A condition's value decides its type. A **number** compares numerically with stored JSON
  numbers *and* with stored strings that Postgres' ``numeric`` input accepts (``"5000"``,
  ``" 12.5 "``, ``"1e3"``, ``"1_000"``; not ``NaN`` or ``Infinity``; at most 100 characters):
  Chatwoot's API stores whatever a client sent, and AI agents often write numbers as strings
  (SQL: ``parley_jsonb_numeric``, migration 0011). A stored value that is not numeric
  (``"abc"``, ``"12 EUR"``, a boolean, a list) never matches a numeric
  ``eq``/``gt``/``gte``/``lt``/``lte``.
- A **string** compares with stored strings only, exactly (``eq``, ``in``) or by text order
  (``gt`` … ``lte``, byte order: ISO-8601 dates and times order correctly);
  ``contains`` is a case-insensitive substring match on stored strings.
- A **boolean** matches stored JSON booleans (``eq``, ``ne``, ``in``).
- ``ne`` is the negation of ``eq``: a contact without the key, or with a value of another
  type, is "not equal". ``exists`` (value ``true``, the default, or ``false``) asks whether
  the key is present with a non-null value.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated

from parley_schema.postgres_values import postgres_text
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_validator,
)

MAX_CONDITIONS = 20
MAX_IN_VALUES = 100
MAX_TEXT_VALUE = 1000


def _attribute_key(value: str) -> str:
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        raise ValueError("must not contain control characters")
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise ValueError("must not contain lone surrogates (\\ud800-\\udfff)")
    return value


AttributeKey = Annotated[
    str, StringConstraints(min_length=1, max_length=255), AfterValidator(_attribute_key)
]
Scalar = StrictBool | StrictInt | StrictFloat | StrictStr


class AttributeOp(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    EXISTS = "exists"
    CONTAINS = "contains"


RANGE_OPS = frozenset({AttributeOp.GT, AttributeOp.GTE, AttributeOp.LT, AttributeOp.LTE})


def _check_scalar(value: Scalar, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where} must be a finite number")
    if isinstance(value, str):
        if len(value) > MAX_TEXT_VALUE:
            raise ValueError(f"{where} must be at most {MAX_TEXT_VALUE} characters")
        try:
            postgres_text(value)
        except ValueError as refused:
            raise ValueError(f"{where} {refused}") from None


class AttributeCondition(BaseModel):
    """One condition on one custom attribute (see the module docstring for the types)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"key": "lead_status", "op": "eq", "value": "qualified"},
                {"key": "follower_count", "op": "gt", "value": 10000},
                {"key": "urgency_level", "op": "in", "value": ["high", "critical"]},
                {"key": "ai_summary", "op": "exists"},
            ]
        },
    )

    key: AttributeKey
    op: AttributeOp
    value: Scalar | list[Scalar] | None = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> AttributeCondition:
        op, value = self.op, self.value
        if op is AttributeOp.EXISTS:
            if value is None:
                self.value = True
            elif not isinstance(value, bool):
                raise ValueError("value of exists must be true or false (or left out)")
            return self
        if value is None:
            raise ValueError(f"value is required for op {op.value}")
        if op is AttributeOp.IN:
            if not isinstance(value, list) or not 1 <= len(value) <= MAX_IN_VALUES:
                raise ValueError(f"value of in must be a list of 1 to {MAX_IN_VALUES} values")
            for item in value:
                _check_scalar(item, "each value of in")
            return self
        if isinstance(value, list):
            raise ValueError(f"value of {op.value} must be a single value, not a list")
        _check_scalar(value, "value")
        if op in RANGE_OPS and isinstance(value, bool):
            raise ValueError(f"value of {op.value} must be a number or a string")
        if op is AttributeOp.CONTAINS and (not isinstance(value, str) or not value):
            raise ValueError("value of contains must be a non-empty string")
        return self


AttributeConditions = Annotated[list[AttributeCondition], Field(max_length=MAX_CONDITIONS)]
