"""Local development stack: never imported by services, only by the CLI and the tests."""
