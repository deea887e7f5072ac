"""Alembic migrations of the whole schema (``soai db upgrade``)."""
