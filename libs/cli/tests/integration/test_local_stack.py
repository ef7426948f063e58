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

import pytest
from parley_testing.postgres import free_port


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
def parley(tmp_path: Path, amqp_url: str) -> Iterator[Parley]:
    port = free_port()
    env = {
        **os.environ,
        "PARLEY_DATA_DIR": str(tmp_path / "data"),
        "PARLEY_EMBEDDED_DB_PORT": str(port),
        "PARLEY_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{port}/parley",
        "PARLEY_AMQP_URL": amqp_url,
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
    assert parley.env["PARLEY_DATABASE_URL"] in status.stdout


def test_two_migrate_processes_at_once_both_succeed(parley: Parley) -> None:
    assert parley("db", "start").returncode == 0
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


def test_ctrl_c_stops_the_services_and_the_database_up_started(parley: Parley) -> None:
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
    process.send_signal(signal.SIGINT)
    # 0 once the process group handles the signal; 130 (KeyboardInterrupt) just before.
    assert process.wait(timeout=60) in (0, 130)
    time.sleep(0.5)  # the reader thread drains the last lines
    while not lines.empty():
        seen.append(lines.get())
    assert any("database stopped" in line for line in seen), seen
    assert parley("db", "status").returncode == 3
