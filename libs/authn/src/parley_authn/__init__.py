"""Resolves a session cookie or API token to (user, project, role); shared by auth and search-api."""
