"""Alembic migrations of the chat database, shipped in the package (run on open)."""
