"""Alembic migrations of the contactbot database."""
