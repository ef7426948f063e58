"""Reads the quality data format of DESIGN.md ("Search-quality data format")."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Turn:
    role: str  # "customer" | "agent"
    text: str


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class Query:
    qid: str
    query: str
    relevant: dict[str, int]
    kind: str


class DatasetError(ValueError):
    """A line of a data file does not follow the format; the message names file and line."""


def _lines(path: Path) -> list[tuple[int, dict[str, object]]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{path}:{number}: not JSON ({error.msg})") from error
        if not isinstance(value, dict):
            raise DatasetError(f"{path}:{number}: expected an object")
        rows.append((number, value))
    return rows


def load_conversations(path: Path) -> list[Conversation]:
    conversations = []
    for number, row in _lines(path):
        turns = row.get("turns")
        if not isinstance(row.get("id"), str) or not isinstance(turns, list) or not turns:
            raise DatasetError(f"{path}:{number}: needs a string id and a non-empty turns list")
        parsed = []
        for turn in turns:
            if (
                not isinstance(turn, dict)
                or turn.get("role") not in ("customer", "agent")
                or not isinstance(turn.get("text"), str)
                or not turn["text"].strip()
            ):
                raise DatasetError(f"{path}:{number}: each turn needs role customer|agent and text")
            parsed.append(Turn(role=turn["role"], text=turn["text"]))
        conversations.append(Conversation(id=str(row["id"]), turns=tuple(parsed)))
    return conversations


def load_queries(path: Path, known: set[str]) -> list[Query]:
    queries = []
    for number, row in _lines(path):
        relevant = row.get("relevant")
        if (
            not isinstance(row.get("qid"), str)
            or not isinstance(row.get("query"), str)
            or not isinstance(relevant, dict)
            or not all(isinstance(g, int) and g >= 0 for g in relevant.values())
        ):
            raise DatasetError(f"{path}:{number}: needs qid, query, relevant {{id: grade}}, kind")
        unknown = set(relevant) - known
        if unknown:
            raise DatasetError(f"{path}:{number}: unknown conversation ids {sorted(unknown)}")
        queries.append(
            Query(
                qid=str(row["qid"]),
                query=str(row["query"]),
                relevant={str(k): int(v) for k, v in relevant.items()},
                kind=str(row.get("kind", "unlabelled")),
            )
        )
    return queries
