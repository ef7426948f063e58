"""Re-queueing of stuck and failed chunks."""
