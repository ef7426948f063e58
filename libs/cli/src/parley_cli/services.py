"""The services `parley up` runs, each as its own process.

A service whose package is not installed is skipped with a note, so a partial checkout
(or a stack still being built) runs what it has.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass

from parley_broker import EMBEDDER, SUGGESTIONS
from parley_schema.settings import ParleyBaseSettings


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    package: str
    port_setting: str | None  # None: a broker worker, not an HTTP server
    # A boolean setting that must be true for the service to run (None: it always runs).
    enabled_setting: str | None = None
    consumes: str | None = None  # a broker worker's queue: ready once it consumes from it

    def is_installed(self) -> bool:
        """True once the service's package and its ``main`` module (the app) exist."""
        if importlib.util.find_spec(self.package) is None:
            return False
        return importlib.util.find_spec(f"{self.package}.main") is not None

    def is_enabled(self, settings: ParleyBaseSettings) -> bool:
        return self.enabled_setting is None or bool(getattr(settings, self.enabled_setting))

    def port(self, settings: ParleyBaseSettings) -> int | None:
        return None if self.port_setting is None else int(getattr(settings, self.port_setting))

    def argv(self, settings: ParleyBaseSettings) -> list[str]:
        port = self.port(settings)
        if port is None:
            return [sys.executable, "-m", "faststream", "run", f"{self.package}.main:app"]
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            f"{self.package}.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            # The app believes X-Forwarded-For from PARLEY_TRUSTED_PROXIES only; uvicorn's
            # own handling would believe any local peer.
            "--no-proxy-headers",
        ]


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("ingest", "parley_ingest", "ingest_port"),
    ServiceSpec("embedder", "parley_embedder", None, consumes=EMBEDDER.name),
    ServiceSpec("search-api", "parley_search_api", "search_api_port"),
    ServiceSpec("auth", "parley_auth", "auth_port"),
    # Answer drafts posted into Chatwoot as private notes: off unless PARLEY_SUGGEST_ENABLED.
    ServiceSpec(
        "suggestions",
        "parley_search_api.suggestions",
        None,
        enabled_setting="suggest_enabled",
        consumes=SUGGESTIONS.name,
    ),
)
