"""Citation markers in a draft (``[cwmsg:1:42]``, ``[cwart:1:7]``, ``[kbdoc:<uuid>]``) and
the check every draft passes: it cites something, and only what was retrieved."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from parley_search_api.answers.evidence import Evidence
from parley_search_api.answers.schemas import Citation, FallbackReason

# Anything bracketed that looks like one of Parley's global ids counts as a citation, so an
# invented id is caught rather than read as text.
MARKER = re.compile(r"\[((?:cwmsg|cwart|kbdoc):[^\[\]\s]{1,80})\]")
QUOTE_CHARS = 500


def marker(evidence: Evidence) -> str:
    return f"[{evidence.id}]"


def cited_ids(draft: str) -> list[str]:
    """The ids ``draft`` cites, in the order it first cites them."""
    return list(dict.fromkeys(MARKER.findall(draft)))


@dataclass(frozen=True)
class Checked:
    citations: list[Citation]
    rejected: FallbackReason | None  # None: the draft may be shown
    detail: str = ""  # the invented ids, for the log


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


def check(draft: str, evidence: Sequence[Evidence]) -> Checked:
    """The draft's citations, or why it is rejected."""
    known = {e.id: e for e in evidence}
    ids = cited_ids(draft)
    if not ids:
        return Checked([], FallbackReason.NO_CITATION)
    invented = [i for i in ids if i not in known]
    if invented:
        return Checked([], FallbackReason.INVENTED_CITATION, ", ".join(invented))
    return Checked(
        [
            Citation(kind=e.kind, id=e.id, url=e.url, quote=_quote(e.text))
            for e in (known[i] for i in ids)
        ],
        None,
    )
