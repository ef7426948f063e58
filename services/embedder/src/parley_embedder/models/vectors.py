"""One batch's vectors, per model: what the embed batcher hands to the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from parley_schema.vector_slots import SlotModel


@dataclass(frozen=True)
class ModelVectors:
    """``vectors[i]`` is the model's vector of the batch's i-th text."""

    model: SlotModel
    vectors: list[list[float]]


def slot_parameters(embedded: Sequence[ModelVectors], row: int) -> dict[str, Any]:
    """The bind parameters of ``slot_values`` for the batch's ``row``-th chunk."""
    parameters: dict[str, Any] = {}
    for model_vectors in embedded:
        slot = model_vectors.model.slot
        parameters[f"vector_{slot}"] = model_vectors.vectors[row]
        parameters[f"model_{slot}"] = model_vectors.model.name
    return parameters
