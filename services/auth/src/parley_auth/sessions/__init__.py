"""Login sessions: login, logout, log out everywhere, who am I, the active project."""
