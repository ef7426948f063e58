"""One error envelope for every Parley API: ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from parley_schema.errors import ParleyError
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)
QUERY_CANCELED = "57014"  # Postgres SQLSTATE of a statement cancelled by statement_timeout
# A path segment kept in logs when no route matched: a short word (``v1``, ``webhooks``), which
# no token (at least 32 characters) and no numeric id is.
_PLAIN_SEGMENT = re.compile(r"(?:v[0-9]|[a-z][a-z_-]{0,23})?")


class RequestTimedOut(ParleyError):
    """A statement of the request ran past ``PARLEY_STATEMENT_TIMEOUT_S``."""

    code = "request_timeout"
    status = 503


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorEnvelope(BaseModel):
    """Every error Parley answers: ``{"error": {"code", "message", "field"}}``."""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for a route that may answer these error statuses."""
    return {
        status: {"model": ErrorEnvelope, "description": HTTPStatus(status).phrase}
        for status in statuses
    }


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def _field_of(location: Sequence[Any]) -> str | None:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


async def _parley_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ParleyError)
    return JSONResponse(error_body(exc.code, exc.message, exc.field), status_code=exc.status)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    field = _field_of(first.get("loc", ()))
    message = f"{field}: {first['msg']}" if field else str(first["msg"])
    return JSONResponse(error_body("validation_error", message, field), status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


def _timeout_handler(
    timeout_error: type[ParleyError],
) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DBAPIError)
        if getattr(exc.orig, "sqlstate", None) != QUERY_CANCELED:
            return await _unexpected_error(request, exc)
        log.warning("statement_timeout", path=route_template(request))
        error = timeout_error("the request took too long; try again or narrow it")
        return await _parley_error(request, error)

    return handle


def route_template(request: Request) -> str:
    """The matched route's path template (``/v1/webhooks/chatwoot/{token}``), never the path
    itself: paths carry secrets (webhook URL tokens) and ids. Before or without a matched route,
    only the path's fixed-looking words are kept (``/v1/webhooks/chatwoot/{redacted}``)."""
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return template
    return "/".join(
        part if _PLAIN_SEGMENT.fullmatch(part) else "{redacted}"
        for part in request.url.path.split("/")
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    correlation_id = getattr(request.state, "correlation_id", None)
    log.error("unhandled_error", path=route_template(request), exc_info=exc)
    return JSONResponse(
        error_body("internal_error", f"internal error; correlation id {correlation_id}"),
        status_code=500,
    )


def add_error_handlers(app: FastAPI, *, timeout_error: type[ParleyError] = RequestTimedOut) -> None:
    """``timeout_error`` answers a statement cancelled by the statement timeout."""
    app.add_exception_handler(ParleyError, _parley_error)
    app.add_exception_handler(DBAPIError, _timeout_handler(timeout_error))
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
