"""Cross-message batching of model calls, with retries."""
