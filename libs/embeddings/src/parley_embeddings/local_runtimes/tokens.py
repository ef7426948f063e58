"""The shipped tokenizer and sentence-transformers' pooling, for runtimes that run the bare
transformer (ONNX export): what ``SentenceTransformer.encode`` does around the model.

The package's ``tokenizer.json`` truncates and pads every text to 128 tokens; the model's
sentence-transformers configuration says 256, and padding to the longest text of a pass is
both what sentence-transformers does and far less work.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

Vectors = npt.NDArray[np.float32]
TokenIds = npt.NDArray[np.int64]


class PassTokenizer:
    """Tokenises one pass: ids, attention mask and token types, padded to its longest text."""

    def __init__(self, model_dir: Path) -> None:
        config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        self.max_seq_length = int(config["max_seq_length"])
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=self.max_seq_length)
        pad = self._tokenizer.padding or {}
        self._tokenizer.enable_padding(
            pad_id=int(pad.get("pad_id", 0)), pad_token=str(pad.get("pad_token", "[PAD]"))
        )

    def __call__(self, texts: list[str]) -> dict[str, TokenIds]:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        return {
            "input_ids": ids,
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }


def mean_pool_normalised(hidden: npt.NDArray[np.floating], attention_mask: TokenIds) -> Vectors:
    """Mean of the token vectors the mask keeps, scaled to unit length (the model's
    ``1_Pooling`` and ``2_Normalize`` modules)."""
    mask = attention_mask[..., np.newaxis].astype(np.float32)
    summed = (hidden.astype(np.float32) * mask).sum(axis=1)
    means = summed / np.clip(mask.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    vectors: Vectors = (means / np.clip(norms, 1e-12, None)).astype(np.float32)
    return vectors
