"""Runs several child processes with prefixed, coloured output; stops them all together.

The first child to exit, or Ctrl-C, stops the rest: SIGTERM, then SIGKILL after a grace
period. The exit code is the first failing child's code (0 on Ctrl-C).
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


async def run_all(specs: Sequence[ProcessSpec], env: Mapping[str, str] | None = None) -> int:
    width = max(len(spec.name) for spec in specs)
    child_env = {**os.environ, **(env or {})}
    processes: dict[str, asyncio.subprocess.Process] = {}
    pumps: list[asyncio.Task[None]] = []
    for index, spec in enumerate(specs):
        process = await asyncio.create_subprocess_exec(
            *spec.argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=child_env,
        )
        processes[spec.name] = process
        assert process.stdout is not None
        pumps.append(
            asyncio.create_task(
                _pump(spec.name, COLOURS[index % len(COLOURS)], width, process.stdout)
            )
        )

    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_requested.set)
    waiters = {asyncio.create_task(p.wait()): name for name, p in processes.items()}
    stop_waiter = asyncio.create_task(stop_requested.wait())
    done, _ = await asyncio.wait([*waiters, stop_waiter], return_when=asyncio.FIRST_COMPLETED)

    exit_code = 0
    if stop_waiter not in done:
        finished = next(task for task in done if task in waiters)
        name = waiters[finished]
        exit_code = processes[name].returncode or 1
        console.print(
            f"[bold red]{name} exited with code {processes[name].returncode}; stopping the rest[/]"
        )
    else:
        console.print("[bold]stopping…[/]")
    await asyncio.gather(*(_stop(p) for p in processes.values()))
    for task in [*waiters, stop_waiter]:
        task.cancel()
    await asyncio.gather(*pumps, return_exceptions=True)
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError):
            loop.remove_signal_handler(sig)
    return exit_code
