"""Alembic environment of the rtdelay registry (run through rtdelay.registry, not by hand)."""

from __future__ import annotations

from alembic import context

from rtdelay.registry._models import Base  # noqa: PLC2701  (the registry's own migrations)

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - rtdelay always passes its connection
    raise RuntimeError("run the registry migrations with 'rtdelay registry init' or 'upgrade'")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
