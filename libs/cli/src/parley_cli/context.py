"""What every command needs: settings read once, and the embedded database they describe."""

from __future__ import annotations

from functools import lru_cache

from parley_devstack.embedded_db import EmbeddedDatabase
from parley_schema.errors import ConfigurationError
from parley_schema.settings import ParleyBaseSettings, load_settings

from parley_cli.console import fail


@lru_cache(maxsize=1)
def get_settings() -> ParleyBaseSettings:
    try:
        return load_settings(ParleyBaseSettings)
    except ConfigurationError as error:
        raise fail(error.message, code=2) from None


def embedded_database(settings: ParleyBaseSettings) -> EmbeddedDatabase:
    return EmbeddedDatabase(settings.data_dir / "postgres", settings.embedded_db_port)


def database_name(settings: ParleyBaseSettings) -> str:
    path = settings.database_url.path or "/parley"
    return path.lstrip("/") or "parley"
