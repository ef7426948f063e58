"""A private RabbitMQ node: its own ports, data and Erlang cookie, free to stop, kill and
restart without touching the machine's shared broker.

Used by tests and benchmarks that take the broker down on purpose. Durable queues and
persistent messages survive a restart because the data directory stays.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

from parley_devstack.machine import free_port

# Debian's /usr/sbin/rabbitmq-* wrappers switch to the rabbitmq user (dropping our environment
# and Erlang cookie); the scripts they wrap run as whoever calls them.
REAL_SCRIPTS = Path("/usr/lib/rabbitmq/bin")
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


class RabbitMQNodeError(RuntimeError):
    """The node could not be started or stopped."""


def _tool(name: str) -> str:
    """``rabbitmq-server`` or ``rabbitmqctl``, preferring the unwrapped script."""
    if (REAL_SCRIPTS / name).is_file():
        return str(REAL_SCRIPTS / name)
    found = shutil.which(name)
    if found is None:
        raise RabbitMQNodeError(f"{name} is not installed (apt-get install rabbitmq-server)")
    return found


class RabbitMQNode:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.dist_port = free_port()
        self.name = f"parley-{uuid.uuid4().hex[:8]}@localhost"
        self._process: subprocess.Popen[bytes] | None = None
        self._log = workdir / "node.log"
        (workdir / "home").mkdir(parents=True, exist_ok=True)
        (workdir / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n"
        )
        (workdir / "enabled_plugins").write_text("[].\n")
        (workdir / "rabbitmq-env.conf").write_text("")  # not the machine's node settings

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.workdir / "home"),  # the node's (and rabbitmqctl's) Erlang cookie
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(self.workdir / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.workdir / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.workdir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.workdir / "log"),
            "RABBITMQ_PID_FILE": str(self.workdir / "node.pid"),
            "RABBITMQ_CONF_ENV_FILE": str(self.workdir / "rabbitmq-env.conf"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def start(self) -> None:
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - the broker's own start script
                [_tool("rabbitmq-server")],
                env=self._env(),
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so kill() takes all of it
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RabbitMQNodeError(f"RabbitMQ node {self.name} did not start:\n{self._tail()}")
            time.sleep(0.2)
        # The listener opens before the broker has finished booting.
        booted = self._ctl("await_startup", "--timeout", str(int(START_TIMEOUT_S)))
        if booted.returncode != 0:
            raise RabbitMQNodeError(f"RabbitMQ node {self.name} did not boot:\n{self._tail()}")

    def _tail(self) -> str:
        return self._log.read_text(errors="replace")[-2000:]

    def _ctl(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(  # noqa: S603 - fixed command
            [_tool("rabbitmqctl"), "-n", self.name, *args],
            env=self._env(),
            capture_output=True,
            timeout=START_TIMEOUT_S + 10,
            check=False,
        )

    def stop(self) -> None:
        """A clean shutdown (``rabbitmqctl stop``)."""
        if self._process is None or self._process.poll() is not None:
            return
        self._ctl("stop")
        try:
            self._process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
        self._wait_closed()

    def kill(self) -> None:
        """SIGKILL the whole node, as a crash would."""
        if self._process is None or self._process.poll() is not None:
            return
        os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=STOP_TIMEOUT_S)
        self._wait_closed()

    def _wait_closed(self) -> None:
        """Until the listener is gone: the Erlang VM may outlive the script that started it."""
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while self._answers():
            if time.monotonic() > deadline:
                raise RabbitMQNodeError(f"RabbitMQ node {self.name} still listens after stopping")
            time.sleep(0.1)

    def restart(self) -> None:
        self.stop()
        self.start()
