"""Embedding providers (local sentence-transformers, OpenAI-compatible) and the tokenizer-aware chunker."""
