"""Test doubles for what runs outside this machine (an OpenAI-compatible embedding server)."""
