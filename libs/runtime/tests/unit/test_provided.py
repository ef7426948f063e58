"""The wiring convention: objects built in the lifespan reach routes by type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI
from parley_runtime.app import create_service_app
from parley_runtime.provided import provide, provided, provided_object
from parley_schema.settings import ParleyBaseSettings


class Greeter:
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting


GreeterDep = Annotated[Greeter, provided(Greeter)]
SettingsDep = Annotated[ParleyBaseSettings, provided(ParleyBaseSettings)]


def build_app(settings: ParleyBaseSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        provide(app, Greeter("hello"))
        yield

    app = create_service_app(service="test", settings=settings, title="t", lifespan=lifespan)

    @app.get("/greet")
    async def greet(greeter: GreeterDep, settings: SettingsDep) -> dict[str, str]:
        return {"greeting": greeter.greeting, "log_level": settings.log_level}

    return app


async def test_a_route_gets_what_the_lifespan_provided_and_the_settings() -> None:
    settings = ParleyBaseSettings(log_level="WARNING")
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/greet")
        assert response.json() == {"greeting": "hello", "log_level": "WARNING"}
        assert provided_object(app, ParleyBaseSettings) is settings


async def test_providing_a_type_twice_or_asking_for_a_missing_one_says_which() -> None:
    app = build_app(ParleyBaseSettings())
    async with app.router.lifespan_context(app):
        with pytest.raises(ValueError, match="Greeter is provided twice"):
            provide(app, Greeter("again"))
        with pytest.raises(LookupError, match="nothing provides int"):
            provided_object(app, int)
