"""Application users."""
