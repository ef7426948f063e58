"""SQL for attribute conditions and labels (the rules are in ``attributes.schemas``).

Every key is rendered into the SQL as a quoted literal, never a bind parameter, so that the
expression ``parley_jsonb_numeric(custom_attributes -> 'follower_count')`` is the very one an
expression index on a hot key holds (a generic prepared plan would not match a parameter).
Equality on strings and booleans is JSON containment (``@>``), which the GIN indexes of
migration 0011 serve.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from parley_schema.models import CwContact
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Numeric,
    Text,
    and_,
    cast,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, array

from parley_search_api.attributes.schemas import AttributeCondition, AttributeOp, Scalar

# The JSON objects conditions apply to, spelled as the indexes of migration 0011 spell them.
CONTACT_ATTRIBUTES: ColumnElement[object] = type_coerce(CwContact.custom_attributes, JSONB)
CONVERSATION_ATTRIBUTES: ColumnElement[object] = literal_column(
    "(cw_conversations.data -> 'custom_attributes')", type_=JSONB
)
CONVERSATION_LABELS: ColumnElement[object] = literal_column(
    "(cw_conversations.data -> 'labels')", type_=JSONB
)


def _key(key: str) -> ColumnElement[str]:
    return literal(key, Text, literal_execute=True)


def attribute_value(attributes: ColumnElement[object], key: str) -> ColumnElement[object]:
    """``attributes -> 'key'``: the stored JSON value (SQL NULL when the key is absent)."""
    return attributes.op("->", return_type=JSONB)(_key(key))


def attribute_text(attributes: ColumnElement[object], key: str) -> ColumnElement[str]:
    return attributes.op("->>", return_type=Text)(_key(key))


def attribute_number(attributes: ColumnElement[object], key: str) -> ColumnElement[object]:
    """The value as ``numeric``: JSON numbers and numeric strings, else NULL."""
    return func.parley_jsonb_numeric(attribute_value(attributes, key), type_=Numeric)


def _is_string(attributes: ColumnElement[object], key: str) -> ColumnElement[bool]:
    return func.jsonb_typeof(attribute_value(attributes, key)) == "string"


def _contains(attributes: ColumnElement[object], key: str, value: Scalar) -> ColumnElement[bool]:
    return attributes.op("@>", return_type=Boolean)(cast({key: value}, JSONB))


def _number(value: int | float) -> ColumnElement[object]:
    """A condition's number as ``numeric`` (never double precision: the comparison stays
    exact and keeps the expression an index on ``parley_jsonb_numeric(…)`` holds)."""
    return literal(Decimal(str(value)), Numeric)


def _equals(attributes: ColumnElement[object], key: str, value: Scalar) -> ColumnElement[bool]:
    if isinstance(value, bool | str):
        return _contains(attributes, key, value)
    return func.coalesce(attribute_number(attributes, key) == _number(value), false())


def _range(
    attributes: ColumnElement[object], key: str, op: AttributeOp, value: Scalar
) -> ColumnElement[bool]:
    left: ColumnElement[Any]
    right: ColumnElement[Any]
    guard: ColumnElement[bool] | None = None
    if isinstance(value, str):
        left = attribute_text(attributes, key).collate("C")
        right = literal(value, Text)
        guard = _is_string(attributes, key)
    else:
        assert not isinstance(value, bool)
        left, right = attribute_number(attributes, key), _number(value)
    compared = {
        AttributeOp.GT: left > right,
        AttributeOp.GTE: left >= right,
        AttributeOp.LT: left < right,
        AttributeOp.LTE: left <= right,
    }[op]
    return compared if guard is None else and_(guard, compared)


def _like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def attribute_condition(
    attributes: ColumnElement[object], condition: AttributeCondition
) -> ColumnElement[bool]:
    key, op, value = condition.key, condition.op, condition.value
    if op is AttributeOp.EXISTS:
        present = func.coalesce(func.jsonb_typeof(attribute_value(attributes, key)), "null") != (
            "null"
        )
        return present if value is True else not_(present)
    if op is AttributeOp.IN:
        assert isinstance(value, list)
        return or_(*(_equals(attributes, key, item) for item in value))
    assert value is not None
    assert not isinstance(value, list)
    if op is AttributeOp.EQ:
        return _equals(attributes, key, value)
    if op is AttributeOp.NE:
        return not_(_equals(attributes, key, value))
    if op is AttributeOp.CONTAINS:
        assert isinstance(value, str)
        return and_(
            _is_string(attributes, key),
            attribute_text(attributes, key).ilike(_like_pattern(value), escape="\\"),
        )
    return _range(attributes, key, op, value)


def attribute_conditions(
    attributes: ColumnElement[object], conditions: Sequence[AttributeCondition] | None
) -> list[ColumnElement[bool]]:
    return [attribute_condition(attributes, c) for c in conditions or ()]


def contact_label_conditions(
    any_of: Sequence[str] | None, all_of: Sequence[str] | None
) -> list[ColumnElement[bool]]:
    """Contacts with any label of ``any_of`` and every label of ``all_of`` (GIN on labels)."""
    conditions: list[ColumnElement[bool]] = []
    if any_of:
        conditions.append(CwContact.labels.overlap(cast(list(any_of), ARRAY(Text))))
    if all_of:
        conditions.append(CwContact.labels.contains(cast(list(all_of), ARRAY(Text))))
    return conditions


def conversation_label_conditions(
    any_of: Sequence[str] | None, all_of: Sequence[str] | None
) -> list[ColumnElement[bool]]:
    """Conversations with any label of ``any_of`` and every label of ``all_of``."""
    conditions: list[ColumnElement[bool]] = []
    if any_of:
        conditions.append(CONVERSATION_LABELS.op("?|", return_type=Boolean)(array(any_of)))
    if all_of:
        conditions.append(CONVERSATION_LABELS.op("?&", return_type=Boolean)(array(all_of)))
    return conditions


def contact_conditions(
    attributes: Sequence[AttributeCondition] | None,
    labels_any: Sequence[str] | None,
    labels_all: Sequence[str] | None,
) -> list[ColumnElement[bool]]:
    """What a contact must satisfy: every attribute condition and the label conditions."""
    return [
        *attribute_conditions(CONTACT_ATTRIBUTES, attributes),
        *contact_label_conditions(labels_any, labels_all),
    ]
