"""Login cost for an unknown username vs a wrong password (the enumeration side channel).

Both paths run one argon2id verification with the shipped parameters (an unknown user is
checked against a dummy hash). Prints median and p90 per path and their ratio, measured in
the same run, interleaved. The machine is shared, so absolute figures are noisy; the ratio
is what matters (1.00 = indistinguishable).

    .venv/bin/python bench/auth-login-timing/run.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time

from parley_auth.passwords import Hasher
from parley_auth.settings import AuthSettings


async def main(rounds: int) -> None:
    settings = AuthSettings()
    hasher = Hasher(settings)
    real_hash = await hasher.hash_password("the user's real password")
    timings: dict[str, list[float]] = {"wrong password": [], "unknown user": []}
    for _ in range(rounds):
        for label, stored in (("wrong password", real_hash), ("unknown user", None)):
            start = time.perf_counter()
            assert not await hasher.verify_password(stored, "an attacker's guess")
            timings[label].append((time.perf_counter() - start) * 1000)
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} (shared)"
    )
    print(
        f"inputs: argon2id t={settings.argon2_time_cost} m={settings.argon2_memory_kib} KiB "
        f"p={settings.argon2_parallelism}, {rounds} rounds, interleaved"
    )
    print(f"{'path':<16}{'median ms':>11}{'p90 ms':>9}")
    for label, values in timings.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{label:<16}{statistics.median(values):>11.1f}{p90:>9.1f}")
    ratio = statistics.median(timings["unknown user"]) / statistics.median(
        timings["wrong password"]
    )
    print(f"ratio unknown/wrong (baseline = wrong password): {ratio:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    asyncio.run(main(parser.parse_args().rounds))
