"""Runs several child processes with prefixed, coloured output; stops them all together.

The first child to exit, or Ctrl-C, ends :meth:`ProcessGroup.wait`; :meth:`ProcessGroup.stop`
sends SIGTERM, then SIGKILL after a grace period. The exit code is the first failing child's
code (0 on Ctrl-C).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text

from parley_cli.console import console

COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "red")
STOP_GRACE_S = 10.0


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: Sequence[str]


async def _pump(name: str, colour: str, width: int, stream: asyncio.StreamReader) -> None:
    prefix = Text(f"{name:<{width}} │ ", style=f"bold {colour}")
    while line := await stream.readline():
        console.print(prefix + Text(line.decode(errors="replace").rstrip()), soft_wrap=True)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout=STOP_GRACE_S)
    except TimeoutError:
        process.kill()
        await process.wait()


class ProcessGroup:
    def __init__(self, specs: Sequence[ProcessSpec], env: Mapping[str, str] | None = None) -> None:
        self.specs = specs
        self.env = {**os.environ, **(env or {})}
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        self._pumps: list[asyncio.Task[None]] = []
        self._stop_requested = asyncio.Event()

    async def start(self) -> None:
        width = max(len(spec.name) for spec in self.specs)
        for index, spec in enumerate(self.specs):
            process = await asyncio.create_subprocess_exec(
                *spec.argv,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=self.env,
            )
            self.processes[spec.name] = process
            assert process.stdout is not None
            colour = COLOURS[index % len(COLOURS)]
            self._pumps.append(asyncio.create_task(_pump(spec.name, colour, width, process.stdout)))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stop_requested.set)

    async def wait(self) -> int:
        """Until a child exits (its code, or 1) or Ctrl-C/SIGTERM arrives (0)."""
        waiters = {asyncio.create_task(p.wait()): name for name, p in self.processes.items()}
        stop_waiter = asyncio.create_task(self._stop_requested.wait())
        try:
            done, _ = await asyncio.wait(
                [*waiters, stop_waiter], return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in [*waiters, stop_waiter]:
                task.cancel()
        if stop_waiter in done:
            console.print("[bold]stopping…[/]")
            return 0
        name = waiters[next(task for task in done if task in waiters)]
        code = self.processes[name].returncode
        console.print(f"[bold red]{name} exited with code {code}; stopping the rest[/]")
        return code or 1

    async def stop(self) -> None:
        await asyncio.gather(*(_stop(p) for p in self.processes.values()))
        await asyncio.gather(*self._pumps, return_exceptions=True)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):
                loop.remove_signal_handler(sig)


async def run_all(specs: Sequence[ProcessSpec], env: Mapping[str, str] | None = None) -> int:
    group = ProcessGroup(specs, env)
    await group.start()
    try:
        return await group.wait()
    finally:
        await group.stop()
