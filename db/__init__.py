"""Database engine, unit of work and Alembic migrations (PostgreSQL and SQLite)."""
