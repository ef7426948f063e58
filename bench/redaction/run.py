"""Redaction benchmark: precision and recall of each redactor, and what redaction costs ingest.

Quality: every line of ``corpus.jsonl`` is a text, the redactor it was written for
(``about``) and every sensitive value it holds by kind (``values``; empty for a near-miss:
order numbers, error codes, tracking numbers, versions). All five redactors run over each
line in their fixed order, as ingest runs them (``card``, ``iban`` and ``secret`` run first,
so enabling ``email`` or ``phone`` never changes what they do). For each redactor, a true
positive is a value of its kind that is gone from the output, a false negative one that is
still there, a false positive a line holding no value of its kind that comes out with its
placeholder. Misses and false positives are listed by text.

Cost: the demo corpus's webhook bodies (``parley_simulator``, ~2,000 deliveries) are turned
into rows by ingest's normalization (``rows_from_event``) without redaction (the baseline),
with the default redactors and with all five, in the same run, best of ``--repeat``.

    .venv/bin/python bench/redaction/run.py
    .venv/bin/python bench/redaction/run.py --phone-region DE --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from parley_ingest.normalization.chatwoot_events import STORED_EVENTS, rows_from_event
from parley_ingest.normalization.service import redacted
from parley_schema.redaction import (
    DEFAULT_REDACTORS,
    Redactor,
    RedactorName,
    placeholder,
)
from parley_simulator.corpus import build_corpus

CORPUS = Path(__file__).with_name("corpus.jsonl")


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    misses: list[str] = field(default_factory=list)
    wrongly_flagged: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        present = self.true_positives + self.false_negatives
        return self.true_positives / present if present else 1.0


def score(lines: list[dict[str, Any]], region: str | None) -> dict[RedactorName, Score]:
    redactor = Redactor(RedactorName, phone_region=region)
    scores = {name: Score() for name in RedactorName}
    for line in lines:
        out = redactor.text(line["text"])
        for name, result in scores.items():
            value = line["values"].get(name.value)
            if value is not None and value not in out:
                result.true_positives += 1
            elif value is not None:
                result.false_negatives += 1
                result.misses.append(line["text"])
            elif placeholder(name) in out:
                result.false_positives += 1
                result.wrongly_flagged.append(line["text"])
    return scores


def timed(work: Callable[[], None], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phone-region", default="DE", help="region of the phone redactor")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs; the best counts")
    args = parser.parse_args()

    lines = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    kinds = {name: sum(1 for line in lines if line["about"] == name) for name in RedactorName}
    print(
        f"corpus: {CORPUS.name}, {len(lines)} lines "
        f"({sum(1 for line in lines if not line['values'])} near-misses), written for: "
        + ", ".join(f"{name.value} {count}" for name, count in kinds.items())
    )
    print(f"phone region: {args.phone_region}\n")
    print("| redactor | positives | TP | FP | FN | precision | recall |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    scores = score(lines, args.phone_region)
    for name, result in scores.items():
        positives = result.true_positives + result.false_negatives
        print(
            f"| `{name.value}` | {positives} | {result.true_positives} | "
            f"{result.false_positives} | {result.false_negatives} | "
            f"{result.precision:.2f} | {result.recall:.2f} |"
        )
    for name, result in scores.items():
        for text in result.misses:
            print(f"  {name.value} misses: {text!r}")
        for text in result.wrongly_flagged:
            print(f"  {name.value} wrongly flags: {text!r}")

    bodies = [body for body in build_corpus().deliveries if body.get("event") in STORED_EVENTS]
    now = datetime.now(UTC)

    def normalize(redactor: Redactor | None) -> Callable[[], None]:
        def run() -> None:
            for body in bodies:
                batch = rows_from_event(body["event"], body, account_id=1, version=now)
                if redactor is not None:
                    redacted(batch, redactor)

        return run

    baseline = timed(normalize(None), args.repeat)
    print(f"\nnormalization of {len(bodies)} demo webhook bodies (best of {args.repeat}):")
    print("| redactors | deliveries/s | time vs no redaction |")
    print("| --- | ---: | ---: |")
    print(f"| none (baseline) | {len(bodies) / baseline:,.0f} | 1.00x |")
    for label, names in (
        ("default: " + ",".join(name.value for name in DEFAULT_REDACTORS), DEFAULT_REDACTORS),
        ("all five", tuple(RedactorName)),
    ):
        seconds = timed(normalize(Redactor(names, phone_region=args.phone_region)), args.repeat)
        print(f"| {label} | {len(bodies) / seconds:,.0f} | {seconds / baseline:.2f}x |")

    # Inputs that made a pattern backtrack or the phone matcher try every candidate before
    # the bounds in redaction.py; each should take milliseconds.
    adversarial = {
        "IBAN-like words that never end": " ".join(["DE12" + "A" * 40] * 200),
        "unterminated private key blocks": "-----BEGIN PRIVATE KEY-----" * 2000,
        "200 kB of digits and spaces": "1 " * 100_000,
        "an address whose domain never ends": "a@" + "b" * 50_000,
    }
    everything = Redactor(RedactorName, phone_region=args.phone_region)
    print("\nadversarial texts, all five redactors (one run each):")
    print("| text | characters | seconds |")
    print("| --- | ---: | ---: |")
    for label, text in adversarial.items():
        started = time.perf_counter()
        everything.text(text)
        print(f"| {label} | {len(text):,} | {time.perf_counter() - started:.3f} |")


if __name__ == "__main__":
    main()
