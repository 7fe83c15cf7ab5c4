"""Alembic migrations of the workshop database (run automatically at start by `db.migrate`)."""
