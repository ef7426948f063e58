"""Runtime pieces shared by Parley's FastAPI services."""
