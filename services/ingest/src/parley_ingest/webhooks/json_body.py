"""Parse a webhook body into JSON Postgres can store without surprises.

Refused (400): invalid UTF-8 or JSON, NaN/Infinity or out-of-range numbers, nesting deep
enough to exhaust the parser, a top level that is not an object. Refused (422, naming the
field): strings with NUL characters or lone surrogates, which ``jsonb`` and ``text`` reject.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from parley_ingest.normalization.errors import InvalidPayload
from parley_ingest.webhooks.errors import MalformedJson

# A JSON text can only carry NUL or a lone surrogate as a \u escape (raw control characters
# are invalid JSON): without one of these escapes there is nothing to look for.
_MAY_HOLD_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {literal[:40]}")
    return value


def _reject_constant(literal: str) -> None:
    raise ValueError(f"{literal} is not JSON")


def parse_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(
            body.decode("utf-8"), parse_float=_finite_float, parse_constant=_reject_constant
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise MalformedJson(f"body is not valid JSON: {type(error).__name__}") from None
    if not isinstance(value, dict):
        raise MalformedJson("body must be a JSON object")
    if _MAY_HOLD_UNSTORABLE.search(body):
        _check_strings(value, "")
    return value


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_strings(value: object, path: str) -> None:
    """Walk the document once; iterative so depth cannot exhaust the stack."""
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if not _storable(item):
                raise InvalidPayload(f"{where or 'body'}: unsupported characters", field=where)
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{where}.{key}" if where else str(key)
                if not _storable(key):
                    raise InvalidPayload(f"{where or 'body'}: unsupported key", field=where)
                stack.append((child, child_path))
        elif isinstance(item, list):
            stack.extend((child, f"{where}.{index}") for index, child in enumerate(item))
