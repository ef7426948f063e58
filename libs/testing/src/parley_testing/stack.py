"""The four services as real processes, started exactly as ``parley up`` starts them, against
the test module's database and the worker's private RabbitMQ vhost."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from parley_cli.readiness import is_ready
from parley_cli.services import SERVICES, ServiceSpec
from parley_schema.settings import ParleyBaseSettings

from parley_testing.postgres import free_port

READY_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 15.0
ACCOUNTS = (1, 2)


@dataclass
class Stack:
    env: dict[str, str]
    settings: ParleyBaseSettings
    logs: Path
    webhook_secrets: dict[int, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    specs: dict[str, ServiceSpec] = field(default_factory=dict)

    def url(self, service: str) -> str:
        port = next(spec for spec in SERVICES if spec.name == service).port(self.settings)
        return f"http://127.0.0.1:{port}"

    def start(self, spec: ServiceSpec, name: str | None = None) -> None:
        """Start ``spec`` as process ``name`` (default: the service's name)."""
        name = name or spec.name
        with (self.logs / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(  # noqa: S603 - our own argv
                spec.argv(self.settings), env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.specs[name] = spec

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash would."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)

    def restart(self, name: str) -> None:
        self.start(self.specs[name], name)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log_tail(self, characters: int = 4000) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-characters:]}"
            for path in sorted(self.logs.glob("*.log"))
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        for spec in (s for s in SERVICES if s.is_enabled(self.settings)):
            while not asyncio.run(is_ready(spec, self.settings)):
                process = self.processes[spec.name]
                if process.poll() is not None:
                    raise RuntimeError(f"{spec.name} exited early\n{self.log_tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{spec.name} not ready\n{self.log_tail()}")
                time.sleep(0.25)


def stack_env(database_url: str, amqp_url: str, ports: Mapping[str, int]) -> dict[str, str]:
    webhook_secrets = {account: secrets.token_hex(16) for account in ACCOUNTS}
    return {
        **os.environ,
        "PARLEY_DATABASE_URL": database_url,
        "PARLEY_AMQP_URL": amqp_url,
        "PARLEY_INGEST_PORT": str(ports["ingest"]),
        "PARLEY_SEARCH_API_PORT": str(ports["search-api"]),
        "PARLEY_AUTH_PORT": str(ports["auth"]),
        "PARLEY_CHATWOOT_WEBHOOK_SECRETS": json.dumps(webhook_secrets),
        "PARLEY_COOKIE_SECURE": "false",
        # The web UI (search-api's origin) calls auth on its own port, as under `parley up`.
        "PARLEY_APP_AUTH_URL": f"http://127.0.0.1:{ports['auth']}",
        "PARLEY_CORS_ORIGINS": json.dumps([f"http://127.0.0.1:{ports['search-api']}"]),
        "PARLEY_LOG_FORMAT": "json",
        "HF_HUB_OFFLINE": "1",
    }


@contextmanager
def running_stack(
    database_url: str,
    amqp_url: str,
    logs: Path,
    *,
    embedders: int = 1,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """The four services (and ``embedders`` embedder replicas), ready; stopped afterwards.

    ``extra_env`` adds or overrides ``PARLEY_*`` settings of every process.
    """
    ports = {"ingest": free_port(), "search-api": free_port(), "auth": free_port()}
    env = {**stack_env(database_url, amqp_url, ports), **(extra_env or {})}
    settings = ParleyBaseSettings(
        database_url=database_url,
        amqp_url=amqp_url,
        ingest_port=ports["ingest"],
        search_api_port=ports["search-api"],
        auth_port=ports["auth"],
    )
    webhook_secrets = {
        int(k): v for k, v in json.loads(env["PARLEY_CHATWOOT_WEBHOOK_SECRETS"]).items()
    }
    stack = Stack(env=env, settings=settings, logs=logs, webhook_secrets=webhook_secrets)
    try:
        for spec in (s for s in SERVICES if s.is_enabled(settings)):
            stack.start(spec)
            if spec.name == "embedder":
                for replica in range(2, embedders + 1):
                    stack.start(spec, f"{spec.name}-{replica}")
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()
