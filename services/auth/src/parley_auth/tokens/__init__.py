"""Project-scoped API tokens (``Authorization: Bearer prl_…``)."""
