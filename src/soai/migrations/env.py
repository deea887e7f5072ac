"""Alembic environment: uses the engine soai hands over, never rebuilds a URL itself."""

from alembic import context

from soai.migrations.metadata import target_metadata

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
