"""Throwaway RabbitMQ virtual hosts on this machine's broker, made with ``rabbitmqctl``.

A vhost is RabbitMQ's own namespace: tests and benchmarks declare the real topology names
(``parley.events``, ``parley.embedder``) without seeing anyone else's messages.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

RABBITMQCTL_TIMEOUT_S = 30


class RabbitmqctlError(RuntimeError):
    """rabbitmqctl is missing or refused a command."""


def _rabbitmqctl(*args: str) -> None:
    executable = shutil.which("rabbitmqctl")
    if executable is None:
        raise RabbitmqctlError(
            "rabbitmqctl is not installed; it makes throwaway vhosts "
            "(apt-get install rabbitmq-server)"
        )
    result = subprocess.run(  # noqa: S603 - fixed executable, arguments we build
        [executable, "-q", *args],
        capture_output=True,
        text=True,
        timeout=RABBITMQCTL_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        raise RabbitmqctlError(f"rabbitmqctl {args[0]} failed: {result.stderr.strip()}")


def create_vhost(base_url: str, *, prefix: str = "parley-test") -> tuple[str, str]:
    """Make a new vhost the base URL's user may use; return (vhost, URL pointing at it)."""
    vhost = f"{prefix}-{uuid.uuid4().hex[:12]}"
    parts = urlsplit(base_url)
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, parts.username or "guest", ".*", ".*", ".*")
    return vhost, urlunsplit(parts._replace(path="/" + quote(vhost, safe="")))


def delete_vhost(vhost: str) -> None:
    _rabbitmqctl("delete_vhost", vhost)
