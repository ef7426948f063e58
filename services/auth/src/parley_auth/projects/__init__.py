"""Projects, their members (owner, member) and the Chatwoot sources they may search."""
