"""Users with PIN-confirmed signup, sessions, projects and API tokens."""
