"""The embedder's dead-letter queue, for operators."""
