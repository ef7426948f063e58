"""Facts about this machine that benchmarks print, and free local ports for private servers."""

from __future__ import annotations

import os
import platform
import random
import socket
from pathlib import Path


def summary() -> str:
    """``2 cores, <CPU model>, Python 3.11.7``: the line a benchmark's report starts with."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.is_file() else []
    cpu = next(
        (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST_PORT = 10000


def _ephemeral_floor() -> int:
    """The lowest port the kernel hands to outgoing connections (32768 when it won't say)."""
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    It is drawn below the kernel's ephemeral range: a port from ``bind(0)`` is one the kernel
    may give the next outgoing connection (a test's own client to RabbitMQ, say) before the
    server that was promised it binds it, and the server then fails with "address in use".
    """
    floor = _ephemeral_floor()
    for _ in range(100):
        port = random.randrange(LOWEST_PORT, floor) if floor > LOWEST_PORT else 0
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            bound: int = sock.getsockname()[1]
            return bound
    raise OSError(f"no free port on 127.0.0.1 between {LOWEST_PORT} and {floor}")
