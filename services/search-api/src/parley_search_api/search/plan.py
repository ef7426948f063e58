"""What the Postgres planner expects of a statement, without running it (EXPLAIN)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ClauseElement, Executable, Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

AnySelect = Select[*tuple[Any, ...]]


class _Explain(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, statement: AnySelect) -> None:
        self.statement = statement


@compiles(_Explain)
def _compile_explain(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


@dataclass(frozen=True)
class TableAccess:
    """How a plan reads one table."""

    rows: float  # the most rows one scan of the table is expected to visit
    sequential: bool  # whether it reads the whole table (no index narrows it)


def _nodes(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


async def table_access(session: AsyncSession, statement: AnySelect, table: str) -> TableAccess:
    """How the planner would read ``table`` for ``statement``. A bitmap heap scan counts the
    rows its bitmap finds, before rechecking them: the rows it visits."""
    document = await session.scalar(_Explain(statement))
    scans = [n for n in _nodes(document[0]["Plan"]) if n.get("Relation Name") == table]
    return TableAccess(
        rows=max((float(_visited(n)["Plan Rows"]) for n in scans), default=0.0),
        sequential=any(n["Node Type"] == "Seq Scan" for n in scans),
    )


def _visited(scan: Mapping[str, Any]) -> Mapping[str, Any]:
    if scan["Node Type"] == "Bitmap Heap Scan":
        bitmap: Mapping[str, Any] = scan["Plans"][0]
        return bitmap
    return scan
