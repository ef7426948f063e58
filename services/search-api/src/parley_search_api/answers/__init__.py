"""Answer drafts with citations and escalation hints (``POST /v1/answers``)."""
