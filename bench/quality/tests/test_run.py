"""The harness's settings, percentiles and conversation ranking (pure)."""

from __future__ import annotations

import argparse

import pytest
from dataset import Query
from run import K, Outcome, fused, parse, parse_setting, percentile, top_k


def test_a_setting_is_a_name_and_search_api_environment_overrides() -> None:
    assert parse_setting("or=PARLEY_SEARCH_FUSION=rrf,PARLEY_SEARCH_DENSE_WEIGHT=0.5") == (
        "or",
        {"PARLEY_SEARCH_FUSION": "rrf", "PARLEY_SEARCH_DENSE_WEIGHT": "0.5"},
    )


@pytest.mark.parametrize(
    "value",
    [
        "or=PARLEY_NOT_A_SEARCH_SETTING=1",
        "or=SEARCH_FUSION=rrf",
        "or=",
        "default=PARLEY_SEARCH_FUSION=rrf",
    ],
)
def test_a_setting_that_search_api_would_not_read_is_refused(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_setting(value)


def test_compare_names_defined_settings() -> None:
    common = ["--direct", "--conversations", "c", "--queries", "q"]
    args = parse(
        [*common, "--setting", "rrf=PARLEY_SEARCH_FUSION=rrf", "--compare", "default", "rrf"]
    )
    assert args.compare == ["default", "rrf"]

    with pytest.raises(SystemExit):
        parse([*common, "--compare", "default", "x"])


def test_fuse_takes_two_models_weights_summing_to_one_loaded_directly() -> None:
    models = [
        *("--model", "sentence-transformers/all-MiniLM-L6-v2"),
        *("--model", "google/universal-sentence-encoder-multilingual-3"),
    ]
    data = ["--conversations", "c", "--queries", "q"]
    assert parse(["--direct", *data, *models, "--fuse", "0.6,0.4"]).fuse == [0.6, 0.4]
    for wrong in (
        ["--direct", *data, *models[:2], "--fuse", "0.6,0.4"],  # one model
        ["--direct", *data, *models, "--fuse", "0.6,0.6"],  # weights not summing to 1
        ["--pipeline", *data, *models, "--fuse", "0.6,0.4"],  # search-api's fusion: --direct
    ):
        with pytest.raises(SystemExit):
            parse(wrong)


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]

    assert percentile(values, 0.5) == 10.0
    assert percentile(values, 0.95) == 19.0
    assert percentile([3.0], 0.95) == 3.0


def test_a_conversation_counts_once_at_its_best_hit() -> None:
    hits = [
        {"kind": "message", "conversation": {"id": gid}}
        for gid in ["cw:1:2", "cw:1:2", "cw:1:1", "cw:1:3"]
    ]

    ranked = top_k(hits, {"cw:1:1": "a", "cw:1:2": "b", "cw:1:3": "c"})

    assert ranked == ["b", "a", "c"]


def test_only_the_first_k_distinct_ids_count() -> None:
    ids = {f"cw:1:{n}": f"c{n}" for n in range(K + 5)}
    hits = [{"kind": "message", "conversation": {"id": gid}} for gid in ids]

    assert top_k(hits, ids) == [f"c{n}" for n in range(K)]


def test_fused_ranks_by_the_weighted_sum_of_each_models_scores() -> None:
    query = Query(qid="q", query="x", relevant={"a": 2}, kind="topic")
    minilm = Outcome(query, ["b", "a"], 0.01, {"b": 0.9, "a": 0.5})
    use = Outcome(query, ["a", "c"], 0.02, {"a": 0.9, "c": 0.8})

    (outcome,) = fused([[minilm], [use]], [0.6, 0.4])

    # a: 0.6*0.5 + 0.4*0.9 = 0.66; b: 0.54 (no USE score); c: 0.32
    assert outcome.ranked == ["a", "b", "c"]
    assert outcome.semantic["a"] == pytest.approx(0.66)
