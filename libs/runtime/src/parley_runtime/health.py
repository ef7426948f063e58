"""``/healthz`` (the process answers) and ``/readyz`` (every dependency answers)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

ReadinessCheck = Callable[[Request], Awaitable[None]]
CHECK_TIMEOUT_S = 2.0

log = structlog.get_logger(__name__)


class Readiness(BaseModel):
    status: str  # "ok" or "unavailable"
    checks: dict[str, str]  # check name → "ok", "timeout" or "error: <type>"


def health_router(checks: Mapping[str, ReadinessCheck]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "A dependency does not answer"}},
    )
    async def readyz(request: Request) -> JSONResponse:
        results = await asyncio.gather(
            *(_run(name, check, request) for name, check in checks.items())
        )
        report = dict(results)
        ready = all(value == "ok" for value in report.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": report},
            status_code=200 if ready else 503,
        )

    return router


async def _run(name: str, check: ReadinessCheck, request: Request) -> tuple[str, str]:
    try:
        await asyncio.wait_for(check(request), timeout=CHECK_TIMEOUT_S)
    except TimeoutError:
        log.warning("readiness_check_failed", check=name, reason="timeout")
        return name, "timeout"
    except Exception as error:
        log.warning("readiness_check_failed", check=name, reason=type(error).__name__)
        return name, f"error: {type(error).__name__}"
    return name, "ok"
