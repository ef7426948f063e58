"""What every command needs: settings read once, and the embedded database they describe.

The embedded server asks for a password (``PARLEY_DATA_DIR/postgres/password``), while the
default ``PARLEY_DATABASE_URL`` names no password. The CLI fills it in: :func:`get_settings`
returns a database URL with the password whenever the URL points at the embedded server as
its superuser without one, and :func:`service_env` hands that URL to every process the CLI
starts, so ``parley up`` runs the services without any setting.
"""

from __future__ import annotations

import json
from functools import lru_cache
from urllib.parse import quote, urlsplit, urlunsplit

from parley_devstack.embedded_db import SUPERUSER, EmbeddedDatabase
from parley_schema.errors import ConfigurationError
from parley_schema.settings import ParleyBaseSettings, load_settings
from pydantic import PostgresDsn

from parley_cli.console import fail


@lru_cache(maxsize=1)
def get_settings() -> ParleyBaseSettings:
    try:
        settings = load_settings(ParleyBaseSettings)
    except ConfigurationError as error:
        raise fail(error.message, code=2) from None
    return with_embedded_password(settings)


def embedded_database(settings: ParleyBaseSettings) -> EmbeddedDatabase:
    return EmbeddedDatabase(settings.data_dir / "postgres", settings.embedded_db_port)


def with_embedded_password(settings: ParleyBaseSettings) -> ParleyBaseSettings:
    """``settings`` whose database URL carries the embedded server's password, when it points
    at that server as its superuser and names no password of its own (the default)."""
    if not settings.uses_embedded_database():
        return settings
    parts = urlsplit(settings.database_url_str)
    if parts.password is not None or (parts.username or SUPERUSER) != SUPERUSER:
        return settings
    password = quote(embedded_database(settings).password(), safe="")
    netloc = f"{SUPERUSER}:{password}@{parts.hostname}:{parts.port}"
    url = PostgresDsn(urlunsplit(parts._replace(netloc=netloc)))
    return settings.model_copy(update={"database_url": url})


def service_env(settings: ParleyBaseSettings) -> dict[str, str]:
    """Environment for the processes a command starts (the services, ``parley auth``): the
    database URL as this command resolved it, password included; and, as every service
    listens on its own port here, where the web UI (search-api's origin) reaches auth."""
    ui = settings.search_api_port
    return {
        "PARLEY_DATABASE_URL": settings.database_url_str,
        "PARLEY_APP_AUTH_URL": f"http://127.0.0.1:{settings.auth_port}",
        "PARLEY_CORS_ORIGINS": json.dumps([f"http://127.0.0.1:{ui}", f"http://localhost:{ui}"]),
    }


def database_name(settings: ParleyBaseSettings) -> str:
    path = settings.database_url.path or "/parley"
    return path.lstrip("/") or "parley"
