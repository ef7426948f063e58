"""A synthetic corpus that looks like embedded support messages to an index.

Vectors: normalised 384-d points around a few hundred topic centres, with a shared offset
(real sentence embeddings are anisotropic: they share a common direction); within a topic
points vary mostly along a few topic-specific directions (low intrinsic dimension, as real
embeddings do) plus a little isotropic noise, with per-topic spread and Zipf-sized topics:
dense, uneven neighbourhoods like real ones, not uniform noise. Text: each
topic has its own pseudo-word vocabulary drawn with a Zipf law plus common words, and one
message in fifty carries an identifier (order number or error code), so full-text search has
realistic posting lists. Filter columns: 50 inboxes (one inbox is a 2 % filter), 3 accounts,
inboxes drawn per conversation of four chunks, accounts per contact. Contacts (one per two conversations) have names,
emails, phones and identifiers, so the conversation lift searches a table of realistic size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DIM = 384
TOPICS = 300
INBOXES = 50
CHUNKS_PER_CONVERSATION = 4
CONVERSATIONS_PER_CONTACT = 2
CHUNKS_PER_CONTACT = CHUNKS_PER_CONVERSATION * CONVERSATIONS_PER_CONTACT
LOCAL_DIMS = 16
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
COMMON = [
    "please",
    "help",
    "order",
    "account",
    "issue",
    "thanks",
    "still",
    "again",
    "today",
    "since",
    "when",
    "cannot",
]


@dataclass(frozen=True)
class Corpus:
    vectors: np.ndarray  # float32 (n, DIM), rows normalised
    topics: np.ndarray  # int (n,)
    texts: list[str]
    inbox_ids: np.ndarray  # int (n,)
    account_ids: np.ndarray  # int (n,)
    centres: np.ndarray
    vocabularies: list[list[str]]
    contact_names: list[str]  # one per contact: chunk n's is n // 4 // 2


def conversation_of(chunk: int) -> int:
    return chunk // CHUNKS_PER_CONVERSATION


def contact_of(chunk: int) -> int:
    return conversation_of(chunk) // CONVERSATIONS_PER_CONTACT


def _words(rng: np.random.Generator, count: int) -> list[str]:
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(SYLLABLES, size=rng.integers(2, 4))))
    return sorted(words)


def _normalise(points: np.ndarray) -> np.ndarray:
    normalised: np.ndarray = points / np.linalg.norm(points, axis=1, keepdims=True)
    return normalised.astype(np.float32)


def build(count: int, seed: int = 1) -> Corpus:
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=DIM)
    centres = rng.normal(size=(TOPICS, DIM)) + 1.5 * shared
    spread = rng.uniform(0.5, 0.9, size=TOPICS)
    bases = rng.normal(size=(TOPICS, LOCAL_DIMS, DIM))
    topic_weights = np.minimum(rng.zipf(1.3, size=TOPICS), 40).astype(float)
    topics = rng.choice(TOPICS, size=count, p=topic_weights / topic_weights.sum())
    vectors = np.empty((count, DIM), dtype=np.float32)
    for start in range(0, count, 50_000):
        part = topics[start : start + 50_000]
        local = np.einsum("nk,nkd->nd", rng.normal(size=(len(part), LOCAL_DIMS)), bases[part])
        noise = rng.normal(size=(len(part), DIM))
        vectors[start : start + len(part)] = _normalise(
            centres[part] + spread[part, None] * (local + 0.3 * noise)
        )
    vocabulary = _words(rng, 4000)
    vocabularies = [list(rng.choice(vocabulary, size=40, replace=False)) for _ in range(TOPICS)]
    ranks = 1.0 / np.arange(1, 41)
    ranks /= ranks.sum()
    texts = []
    for n, topic in enumerate(topics):
        words = list(rng.choice(vocabularies[topic], size=rng.integers(8, 20), p=ranks))
        words += list(rng.choice(COMMON, size=4))
        if n % 50 == 0:
            words.append(f"ORD-{100000 + n}" if n % 100 == 0 else f"0x{n:08x}")
        texts.append(" ".join(words))
    conversations, contacts = conversation_of(count - 1) + 1, contact_of(count - 1) + 1
    return Corpus(
        vectors=vectors,
        topics=topics,
        texts=texts,
        inbox_ids=_repeated(
            rng.integers(1, INBOXES + 1, size=conversations), CHUNKS_PER_CONVERSATION, count
        ),
        account_ids=_repeated(rng.integers(1, 4, size=contacts), CHUNKS_PER_CONTACT, count),
        centres=centres,
        vocabularies=vocabularies,
        contact_names=_names(contacts, seed),
    )


def _repeated(values: np.ndarray, times: int, count: int) -> np.ndarray:
    repeated: np.ndarray = np.repeat(values, times)[:count]
    return repeated


def _names(count: int, seed: int) -> list[str]:
    """First and last names from their own syllables, so they rarely look like topic words."""
    rng = np.random.default_rng(seed + 1000)
    syllables = [c + v for c in "chjlrswy" for v in ("a", "e", "i", "o", "u", "ay", "ee")]

    def pool(size: int, lengths: tuple[int, int]) -> list[str]:
        names: set[str] = set()
        while len(names) < size:
            names.add("".join(rng.choice(syllables, size=rng.integers(*lengths))).capitalize())
        return sorted(names)

    first, last = pool(400, (2, 4)), pool(3000, (2, 5))
    return [f"{rng.choice(first)} {rng.choice(last)}" for _ in range(count)]


def queries(corpus: Corpus, count: int, seed: int = 2) -> list[tuple[str, np.ndarray]]:
    """Query text (2 or 3 topic words) and a vector near the same topic's messages."""
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(corpus.topics), size=count * 2, replace=False)
    result: list[tuple[str, np.ndarray]] = []
    seen: set[str] = set()
    for row in picks:
        topic = corpus.topics[row]
        words = rng.choice(corpus.vocabularies[topic][:15], size=rng.integers(2, 4), replace=False)
        noise = rng.normal(size=DIM).astype(np.float32) * 0.02
        vector = corpus.vectors[row] + noise
        text = " ".join(words)
        if text not in seen:  # one vector per text: the bench provider looks vectors up by text
            seen.add(text)
            result.append((text, vector / np.linalg.norm(vector)))
    return result[:count]
