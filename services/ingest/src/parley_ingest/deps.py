"""Dependency aliases of the ingest service's routes (async: sync ones run in a thread)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from parley_ingest.settings import IngestSettings


async def get_ingest_settings(request: Request) -> IngestSettings:
    settings: IngestSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[IngestSettings, Depends(get_ingest_settings)]
