"""The `parley` command as a user runs it: a real process, a real embedded server."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from parley_testing.local_model import data_dir_sharing_model_files
from parley_testing.postgres import free_port, run_async


class Parley:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "parley_cli", *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "parley_cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def parley(tmp_path: Path, module_amqp_url: str) -> Iterator[Parley]:
    port = free_port()
    env = {
        **os.environ,
        "PARLEY_DATA_DIR": str(data_dir_sharing_model_files(tmp_path / "data")),
        "PARLEY_EMBEDDED_DB_PORT": str(port),
        "PARLEY_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{port}/parley",
        "PARLEY_AMQP_URL": module_amqp_url,
        "COLUMNS": "200",
    }
    cli = Parley(env)
    yield cli
    cli("db", "stop")


def test_db_start_and_migrate_twice_in_a_row_succeed(parley: Parley) -> None:
    for _ in range(2):
        started = parley("db", "start")
        assert started.returncode == 0, started.stderr
        migrated = parley("migrate")
        assert migrated.returncode == 0, migrated.stderr
    assert "already running" in started.stdout
    assert "schema already at" in migrated.stdout
    status = parley("db", "status")
    assert status.returncode == 0
    assert "running:  yes" in status.stdout


def _printed_url(output: str) -> str:
    return next(line.split()[1] for line in output.splitlines() if line.startswith("url:"))


async def _connects(url: str) -> bool:
    try:
        connection = await asyncpg.connect(url)
    except asyncpg.InvalidPasswordError:
        return False
    await connection.close()
    return True


def test_db_status_prints_a_url_that_connects_and_start_keeps_the_password_off_screen(
    parley: Parley, tmp_path: Path
) -> None:
    started = parley("db", "start")
    assert started.returncode == 0, started.stderr
    password = (tmp_path / "data" / "postgres" / "password").read_text().strip()
    assert password not in started.stdout + started.stderr
    assert ":***@" in started.stdout

    status = parley("db", "status")
    url = _printed_url(status.stdout)
    assert password in url
    assert url.startswith("postgresql+asyncpg://")
    libpq_url = parley("db", "url", "--libpq").stdout.strip()
    assert libpq_url == "postgresql://" + url.split("://", 1)[1]
    assert run_async(lambda: _connects(libpq_url)) is True
    without_password = parley.env["PARLEY_DATABASE_URL"].replace("+asyncpg", "")
    assert run_async(lambda: _connects(without_password)) is False
    assert run_async(lambda: _connects(libpq_url.replace(password, "guessed"))) is False


def test_two_migrate_processes_at_once_both_succeed(parley: Parley) -> None:
    started = parley("db", "start")
    assert started.returncode == 0, started.stdout + started.stderr
    runs = [parley.start("migrate") for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert sum("schema upgraded" in out for out in outputs) == 1, outputs


def test_status_of_a_stopped_server_exits_nonzero(parley: Parley) -> None:
    status = parley("db", "status")
    assert status.returncode == 3
    assert "running:  no" in status.stdout


def test_migrate_without_a_database_says_how_to_fix_it(parley: Parley) -> None:
    result = parley("migrate")
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr
    assert "parley db start" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_settings_fail_in_one_line(parley: Parley) -> None:
    parley.env["PARLEY_AMQP_URL"] = "nonsense"
    result = parley("doctor")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: invalid settings: PARLEY_AMQP_URL")
    assert len(result.stderr.strip().splitlines()) == 1


def test_doctor_reports_a_healthy_stack(parley: Parley) -> None:
    assert parley("db", "start").returncode == 0
    assert parley("migrate").returncode == 0
    result = parley("doctor")
    assert result.returncode == 0, result.stdout
    for name in ("database", "schema", "pgvector", "rabbitmq"):
        assert any(
            line.split("│")[1].strip() == name for line in result.stdout.splitlines() if "│" in line
        )


def test_doctor_fails_and_points_at_the_fix_when_the_database_is_down(parley: Parley) -> None:
    result = parley("doctor")
    assert result.returncode == 1
    assert "FAIL" in result.stdout
    assert "parley db start" in result.stdout


def test_up_refuses_to_start_without_rabbitmq_and_names_the_fix(parley: Parley) -> None:
    parley.env["PARLEY_AMQP_URL"] = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    result = parley("up")
    assert result.returncode == 1
    assert "RabbitMQ is not reachable" in result.stderr
    assert "rabbitmq-server -detached" in result.stderr
    # The database this run started is stopped again: the port is free for the next run.
    assert "database stopped" in result.stdout
    assert parley("db", "status").returncode == 3


def test_up_leaves_a_database_it_did_not_start_running_and_says_so(parley: Parley) -> None:
    assert parley("db", "start").returncode == 0
    parley.env["PARLEY_AMQP_URL"] = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    result = parley("up")
    assert result.returncode == 1
    assert "parley db stop" in result.stdout
    assert parley("db", "status").returncode == 0


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_up_runs_the_services_on_the_embedded_database_then_ctrl_c_stops_them_and_it(
    parley: Parley,
) -> None:
    ports = {name: free_port() for name in ("INGEST", "SEARCH_API", "AUTH")}
    parley.env.update({f"PARLEY_{name}_PORT": str(port) for name, port in ports.items()})
    process = parley.start("up")
    lines: queue.Queue[str] = queue.Queue()
    output = process.stdout
    assert output is not None

    def read() -> None:
        for line in output:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + 120
    while not any("starting" in line and "auth" in line for line in seen):
        assert time.monotonic() < deadline, seen
        with contextlib.suppress(queue.Empty):
            seen.append(lines.get(timeout=1))
    # Ready means connected to the database: the service was given the password.
    while not _ready(ports["AUTH"]):
        assert process.poll() is None, seen
        assert time.monotonic() < deadline, seen
        time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    # 0 once the process group handles the signal; 130 (KeyboardInterrupt) just before.
    assert process.wait(timeout=60) in (0, 130)
    time.sleep(0.5)  # the reader thread drains the last lines
    while not lines.empty():
        seen.append(lines.get())
    assert any("database stopped" in line for line in seen), seen
    assert parley("db", "status").returncode == 3
