"""A RabbitMQ node of the test's own, which it may stop and start (the shared one never is).

The node runs from the installed ``rabbitmq-server`` scripts under its own node name, with
its AMQP and distribution ports picked free, its data, logs, config, enabled-plugins file and
Erlang cookie (``HOME``) in a temporary directory, and no plugins (so no management port
clashes with the shared node). Data survives a stop/start, as on a real restart: durable
queues and persistent messages are still there. Every start and stop is bounded in time, and
the node is killed and its directory removed at teardown whatever happened.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from parley_testing.postgres import free_port

START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30


def _scripts_dir() -> Path:
    """The directory of the real ``rabbitmq-server`` script.

    Distribution packages install ``/usr/sbin/rabbitmq-server`` as a wrapper that switches to
    the ``rabbitmq`` user and drops the environment; the real scripts sit next to the
    wrapper's target.
    """
    found = shutil.which("rabbitmq-server")
    if found is None:
        pytest.fail(
            "rabbitmq-server is not installed; the broker-restart tests run a private node "
            "(apt-get install rabbitmq-server)",
            pytrace=False,
        )
    return Path(found).resolve().parent


class PrivateRabbitNode:
    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.node_name = f"parley-test-{uuid.uuid4().hex[:8]}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self._scripts = _scripts_dir()
        self._pid_file = base_dir / "rabbit.pid"
        self._process: subprocess.Popen[bytes] | None = None
        (base_dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.port}\nloopback_users = none\n"
        )
        (base_dir / "enabled_plugins").write_text("[].\n")
        (base_dir / "rabbitmq-env.conf").write_text("")

    def _environment(self) -> dict[str, str]:
        base = self.base_dir
        return {
            **os.environ,
            "HOME": str(base),
            "RABBITMQ_NODENAME": self.node_name,
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_PID_FILE": str(self._pid_file),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def _ctl(self, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the installed script, arguments we build
            [str(self._scripts / "rabbitmqctl"), "-n", self.node_name, *args],
            env=self._environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> None:
        """Start the node and return once it accepts AMQP connections."""
        log = (self.base_dir / "server.out").open("ab")
        self._process = subprocess.Popen(  # noqa: S603 - the installed script
            [str(self._scripts / "rabbitmq-server")],
            env=self._environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        waited = self._ctl(
            "wait",
            "--timeout",
            str(START_TIMEOUT_S),
            str(self._pid_file),
            timeout=START_TIMEOUT_S + 10,
        )
        if waited.returncode != 0:
            self.kill()
            tail = (self.base_dir / "server.out").read_text(errors="replace")[-2000:]
            pytest.fail(f"private RabbitMQ node did not start: {tail}", pytrace=False)

    def stop(self) -> None:
        """Stop the node gracefully (as a broker restart does); kill it if that hangs."""
        try:
            self._ctl("stop", str(self._pid_file), timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            return
        if self._process is not None:
            try:
                self._process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.kill()
            self._process = None

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=STOP_TIMEOUT_S)
        self._process = None
