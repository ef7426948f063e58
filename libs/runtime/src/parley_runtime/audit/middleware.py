"""Records every API request of an app on its :class:`AuditRecorder`, after the response.

What is kept: the time it arrived, method, route template (``/v1/conversations/{id}``, never
the raw path: ids in paths name customers), status, latency to the last byte, the caller
(:func:`~parley_runtime.audit.caller.identify`) and the correlation id. With
``PARLEY_AUDIT_QUERIES=true`` also the query string and, on apps that allow it
(``record_bodies``: search-api, whose bodies are searches), the JSON body; never auth's,
whose bodies carry passwords and PINs. Health, readiness and metrics requests are not
recorded.
"""

from __future__ import annotations

import contextlib
import json
import time
from datetime import UTC, datetime
from typing import Any

from prometheus_fastapi_instrumentator.routing import get_route_name
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley_runtime.audit.caller import STATE_KEY, Caller
from parley_runtime.audit.recorder import AuditEntry, AuditRecorder
from parley_runtime.provided import provided_object

NOT_RECORDED = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "(unmatched)"  # no route matched the path: a 404
MAX_BODY_BYTES = 16 * 1024  # bodies beyond this are not kept, even when queries are


class AuditMiddleware:
    def __init__(
        self, app: ASGIApp, *, service: str, record_queries: bool, record_bodies: bool
    ) -> None:
        self.app = app
        self._service = service
        self._record_queries = record_queries
        self._record_bodies = record_queries and record_bodies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NOT_RECORDED:
            await self.app(scope, receive, send)
            return
        at = datetime.now(UTC)
        started = time.perf_counter()
        status = 500  # unless a response starts
        body = bytearray()

        async def receive_keeping_body() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(body) <= MAX_BODY_BYTES:
                body.extend(message.get("body", b""))
            return message

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(
                scope, receive_keeping_body if self._record_bodies else receive, send_noting_status
            )
        finally:
            self._record(scope, at, started, status, bytes(body))

    def _record(self, scope: Scope, at: datetime, started: float, status: int, body: bytes) -> None:
        state: dict[str, Any] = scope.get("state", {})
        caller: Caller = state.get(STATE_KEY) or Caller()
        # The template as the HTTP metrics name it (router prefixes included).
        endpoint = get_route_name(HTTPConnection(scope), should_include_root_path=False)
        recorder = provided_object(scope["app"], AuditRecorder)
        recorder.record(
            AuditEntry(
                at=at,
                service=self._service,
                method=scope["method"],
                endpoint=endpoint or UNMATCHED,
                status=status,
                latency_ms=(time.perf_counter() - started) * 1000,
                project_id=caller.project_id,
                user_id=caller.user_id,
                token_id=caller.token_id,
                correlation_id=state.get("correlation_id"),
                query=self._query(scope, body) if self._record_queries else None,
            )
        )

    def _query(self, scope: Scope, body: bytes) -> dict[str, Any] | None:
        query: dict[str, Any] = {}
        if scope.get("query_string"):
            query["query_string"] = scope["query_string"].decode("latin-1")
        if self._record_bodies and body and len(body) <= MAX_BODY_BYTES:
            with contextlib.suppress(ValueError):  # not JSON: nothing a reader could use
                query["body"] = json.loads(body)
        return query or None
