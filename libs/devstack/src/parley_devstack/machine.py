"""Facts about this machine that benchmarks print, and free local ports for private servers."""

from __future__ import annotations

import os
import platform
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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
