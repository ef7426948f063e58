"""Reads the quality data format of DESIGN.md ("Search-quality data format").

A conversation's ``meta`` may carry ``contact`` (``{"name": …, "email": …}``: both loaders
send it as the conversation's Chatwoot contact, so queries can name customers) and
``status`` (``open`` or ``resolved``, the default). Conversations with the same contact
(e-mail, else name) share one Chatwoot contact.

Query kinds are ``topic``, ``paraphrase`` and ``identifier``; the first sample's
``known_item`` and ``exact_identifier`` are read as ``paraphrase`` and ``identifier``.

Languages (BCP 47 tags, optional): a conversation's ``meta.language``, a query's
``language``, an article's ``locale``. ``language_slice`` puts a query in ``english``,
``same-language`` or ``cross-language`` by the languages of what answers it.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

KINDS = ("topic", "paraphrase", "identifier")
LEGACY_KINDS = {"known_item": "paraphrase", "exact_identifier": "identifier"}
STATUSES = ("open", "resolved")


@dataclass(frozen=True)
class Turn:
    role: str  # "customer" | "agent"
    text: str


@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None = None

    @property
    def key(self) -> str:
        """What makes two conversations' contacts one Chatwoot contact."""
        return (self.email or self.name).lower()


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[Turn, ...]
    contact: Contact | None = None  # None: a contact of its own, named after the id
    status: str = "resolved"
    topic: str | None = None  # meta.topic: the generator's family, read by pooling
    language: str | None = None  # meta.language


@dataclass(frozen=True)
class Query:
    qid: str
    query: str
    relevant: dict[str, int]
    kind: str
    language: str | None = None


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


def _contact(where: str, value: object) -> Contact | None:
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("name"), str)
        or not value["name"].strip()
        or not isinstance(value.get("email"), str | None)
    ):
        raise DatasetError(f"{where}: meta.contact needs a name and may have an email")
    return Contact(name=value["name"], email=value.get("email"))


def load_conversations(path: Path) -> list[Conversation]:
    conversations = []
    seen: set[str] = set()
    for number, row in _lines(path):
        where = f"{path}:{number}"
        turns = row.get("turns")
        if not isinstance(row.get("id"), str) or not isinstance(turns, list) or not turns:
            raise DatasetError(f"{where}: needs a string id and a non-empty turns list")
        if row["id"] in seen:
            raise DatasetError(f"{where}: duplicate conversation id {row['id']}")
        seen.add(str(row["id"]))
        parsed = []
        for turn in turns:
            if (
                not isinstance(turn, dict)
                or turn.get("role") not in ("customer", "agent")
                or not isinstance(turn.get("text"), str)
                or not turn["text"].strip()
            ):
                raise DatasetError(f"{where}: each turn needs role customer|agent and text")
            parsed.append(Turn(role=turn["role"], text=turn["text"]))
        meta = row.get("meta", {})
        if not isinstance(meta, dict):
            raise DatasetError(f"{where}: meta must be an object")
        status = meta.get("status", "resolved")
        if status not in STATUSES:
            raise DatasetError(f"{where}: meta.status must be one of {', '.join(STATUSES)}")
        topic = meta.get("topic")
        language = meta.get("language")
        conversations.append(
            Conversation(
                id=str(row["id"]),
                turns=tuple(parsed),
                contact=_contact(where, meta.get("contact")),
                status=str(status),
                topic=topic if isinstance(topic, str) else None,
                language=language if isinstance(language, str) else None,
            )
        )
    return conversations


def contact_numbers(conversations: list[Conversation]) -> dict[str, int]:
    """Conversation id → its Chatwoot contact number (1, 2, …), shared by conversations
    whose contacts have the same key; one of its own for a conversation without one."""
    number_of_key: dict[str, int] = {}
    numbers = {}
    for conversation in conversations:
        key = conversation.contact.key if conversation.contact else f"\0{conversation.id}"
        numbers[conversation.id] = number_of_key.setdefault(key, len(number_of_key) + 1)
    return numbers


def contact_of(conversation: Conversation) -> Contact:
    """The contact a loader sends: the meta contact, else one named after the id (no word a
    query could share with it)."""
    return conversation.contact or Contact(name=conversation.id)


def normalised(text: str) -> str:
    """Lower case without accents: how identifiers and names are compared here."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def load_queries(path: Path, known: set[str]) -> list[Query]:
    queries = []
    seen: set[str] = set()
    for number, row in _lines(path):
        where = f"{path}:{number}"
        relevant, query = row.get("relevant"), row.get("query")
        if (
            not isinstance(row.get("qid"), str)
            or not isinstance(query, str)
            or not query.strip()
            or not isinstance(relevant, dict)
            or not all(isinstance(g, int) and g in (1, 2) for g in relevant.values())
        ):
            raise DatasetError(f"{where}: needs qid, query, relevant {{id: 1|2}}, kind")
        if row["qid"] in seen:
            raise DatasetError(f"{where}: duplicate qid {row['qid']}")
        seen.add(str(row["qid"]))
        if 2 not in relevant.values():
            raise DatasetError(f"{where}: no conversation answers it (grade 2)")
        unknown = set(relevant) - known
        if unknown:
            raise DatasetError(f"{where}: unknown conversation ids {sorted(unknown)}")
        kind = LEGACY_KINDS.get(str(row.get("kind")), row.get("kind"))
        if kind not in KINDS:
            raise DatasetError(f"{where}: kind must be one of {', '.join(KINDS)}")
        language = row.get("language")
        if not isinstance(language, str | None):
            raise DatasetError(f"{where}: language must be a string")
        queries.append(
            Query(
                qid=str(row["qid"]),
                query=str(row["query"]),
                relevant={str(k): int(v) for k, v in relevant.items()},
                kind=str(kind),
                language=language,
            )
        )
    return queries


SLICES = ("english", "same-language", "cross-language", "mixed")


def language_slice(query: Query, language_of: dict[str, str | None]) -> str | None:
    """``english`` or ``same-language`` when every answer (grade 2) is in the query's
    language, ``cross-language`` when none is, ``mixed`` otherwise; None without languages."""
    answers = {language_of.get(i) for i, grade in query.relevant.items() if grade == 2}
    if query.language is None or None in answers:
        return None
    if answers == {query.language}:
        return "english" if query.language == "en" else "same-language"
    return "cross-language" if query.language not in answers else "mixed"
