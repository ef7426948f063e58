"""Shared pytest fixtures (registered as the ``parley`` pytest plugin)."""
