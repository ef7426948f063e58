"""Why a webhook delivery is refused. Nothing is written for any of them."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class BodyTooLarge(ParleyError):
    code = "body_too_large"
    status = 413


class MalformedJson(ParleyError):
    code = "malformed_json"
    status = 400


class UnknownAccount(ParleyError):
    """No secret or URL token is configured for the account: answered 401, not 404, so a
    caller cannot probe which accounts exist."""

    code = "unknown_account"
    status = 401


class BadSignature(ParleyError):
    code = "bad_signature"
    status = 401


class StaleTimestamp(ParleyError):
    code = "stale_timestamp"
    status = 401


class MalformedTimestamp(ParleyError):
    """``X-Chatwoot-Timestamp`` on the URL-token route is not unix seconds (on the signed route
    it is part of what is signed: 401 ``bad_signature``)."""

    code = "malformed_timestamp"
    status = 400
