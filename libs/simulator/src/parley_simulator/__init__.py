"""Chatwoot as Parley sees it: webhook payloads shaped like Chatwoot's, signed like Chatwoot
signs them, and a deterministic corpus of support conversations for the demo, end-to-end tests
and benchmarks."""
