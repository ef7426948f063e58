"""Recall of the sign-bit pre-scan on real MiniLM vectors: what the inbox scan's pool must be.

search-api's scan under a selective filter keeps the ``limit * PRESCAN_PER_HIT`` chunks
nearest by the Hamming distance of their sign bits (``binary_quantize``: 1 where a component
is above 0) and ranks those by cosine (``SearchRepository.semantic_statement``). bench/search's
synthetic vectors flatter it; this measures it on text: English paragraphs from the
docstrings of the installed packages (no corpus ships here that is this large), embedded by
the local MiniLM (OpenVINO). The first 200 are the queries, the next ``--texts`` the chunks.
For each pool size: recall@10 of the pool's 10 nearest by cosine against the 10 nearest of
all, mean and min over the queries, raw and with the chunks' mean subtracted first.

    flock /tmp/parley-measure.lock nice -n 19 .venv/bin/python bench/search/sign_bits_recall.py

Embedding 20,200 paragraphs takes ~15 minutes on 2 cores; ``--vectors FILE`` keeps them
(a .npy file, reused when it exists).
"""

from __future__ import annotations

import argparse
import ast
import random
import sys
import sysconfig
import time
from pathlib import Path

import numpy as np
from parley_devstack.machine import summary
from parley_embeddings.local_runtimes import load_encoder
from parley_schema.settings import LocalModelRuntime

QUERIES = 200
K = 10
POOLS = (100, 200, 400, 800, 1600)
DATA_DIR = Path.home() / ".local/share/parley"  # where `make install` exported the model


def paragraphs(limit: int) -> list[str]:
    """Docstring paragraphs of 60-600 characters, prose only, in a fixed shuffled order."""
    found: set[str] = set()
    for path in sorted(Path(sysconfig.get_paths()["purelib"]).rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(errors="ignore"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                for part in (ast.get_docstring(node) or "").split("\n\n"):
                    prose = " ".join(part.split())
                    if 60 <= len(prose) <= 600 and not prose.startswith(
                        (">>>", "..", ":", "-", "=")
                    ):
                        found.add(prose)
        if len(found) >= 3 * limit:
            break
    texts = sorted(found)
    random.Random(1).shuffle(texts)
    return texts[:limit]


def vectors_of(texts: list[str], cache: Path | None) -> np.ndarray:
    if cache is not None and cache.exists():
        cached: np.ndarray = np.load(cache)
        if len(cached) == len(texts):
            return cached
    encoder = load_encoder(LocalModelRuntime.OPENVINO, data_dir=DATA_DIR)
    began = time.perf_counter()
    batches = [np.asarray(encoder.encode(texts[i : i + 64])) for i in range(0, len(texts), 64)]
    vectors = np.vstack(batches).astype(np.float32)
    print(f"embedded {len(texts)} texts in {time.perf_counter() - began:.0f} s")
    if cache is not None:
        np.save(cache, vectors)
    return vectors


def main(args: argparse.Namespace) -> None:
    print(summary())
    texts = paragraphs(QUERIES + args.texts)
    if len(texts) < QUERIES + args.texts:
        sys.exit(f"only {len(texts)} paragraphs found, {QUERIES + args.texts} needed")
    vectors = vectors_of(texts, args.vectors)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries, chunks = vectors[:QUERIES], vectors[QUERIES:]
    print(f"inputs: {len(chunks)} chunks, {len(queries)} queries, {chunks.shape[1]}-d, recall@{K}")
    nearest = np.argsort(-(queries @ chunks.T), axis=1)[:, :K]
    for label, centre in (("raw", np.zeros(chunks.shape[1])), ("centred", chunks.mean(axis=0))):
        chunk_bits = (chunks - centre) > 0
        hamming = np.stack([(((q - centre) > 0) != chunk_bits).sum(axis=1) for q in queries])
        order = np.argsort(hamming, axis=1, kind="stable")
        for pool in POOLS:
            cosines = np.take_along_axis(queries @ chunks.T, order[:, :pool], axis=1)
            best = np.take_along_axis(order[:, :pool], np.argsort(-cosines, axis=1)[:, :K], axis=1)
            recalls = [len(set(best[n]) & set(nearest[n])) / K for n in range(len(queries))]
            print(
                f"{label:<8} pool {pool:>5} ({pool / len(chunks):6.1%}): "
                f"recall@{K} {np.mean(recalls):.3f} (min {min(recalls):.1f})"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000, help="chunks (after the queries)")
    parser.add_argument("--vectors", type=Path, help="a .npy file keeping the embedded texts")
    main(parser.parse_args())
