"""Alembic migrations of the registry (run by rtdelay.registry.init_registry / upgrade_registry)."""
