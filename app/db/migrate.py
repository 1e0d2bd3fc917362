"""Run the Alembic migrations from code (blocking: from an event loop, call it in a thread)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from app.db.engine import make_engine
from app.settings import normalize_database_url

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
# Several `viva serve` processes sharing one PostgreSQL migrate on start at the same moment:
# without a lock, two of them create the same tables and one fails. Any fixed 64-bit key works;
# this one spells "viva_mig".
MIGRATION_LOCK_KEY = 0x766976615F6D6967


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("viva.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    _holding_migration_lock(url, lambda: command.upgrade(alembic_config(url), revision))


def downgrade(url: str, revision: str) -> None:
    _holding_migration_lock(url, lambda: command.downgrade(alembic_config(url), revision))


def _holding_migration_lock(url: str, migrate: Callable[[], None]) -> None:
    """On PostgreSQL, one process migrates at a time; the others wait, then find it done.

    SQLite is one file on one host: its own write lock serializes writers.
    """
    url = normalize_database_url(url)
    if not url.startswith("postgresql"):
        migrate()
        return
    asyncio.run(_migrate_under_advisory_lock(url, migrate))


async def _migrate_under_advisory_lock(url: str, migrate: Callable[[], None]) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            # Autocommit: the session-level lock is held without an open transaction.
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(
                text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            try:
                # Alembic runs its own event loop (migrations/env.py), so in a thread of its own.
                await asyncio.to_thread(migrate)
            finally:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
    finally:
        await engine.dispose()
