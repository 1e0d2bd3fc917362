"""The real migrations on the real databases: up, down and up again."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from app.db.engine import make_engine
from app.db.migrate import downgrade, upgrade
from tests.support import fresh_postgres_database, postgres_reachable


def tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = make_engine(url)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(read())


def urls(tmp_path) -> list[str]:
    found = [f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"]
    if postgres_reachable():
        found.append(fresh_postgres_database("viva_test_migrations"))
    return found


def test_migrations_run_up_down_and_up_again(tmp_path):
    for url in urls(tmp_path):
        upgrade(url)
        assert {"interviews", "turns", "answer_audio", "alembic_version"} <= tables(url)
        downgrade(url, "base")
        assert tables(url) <= {"alembic_version"}
        upgrade(url)
        assert "turns" in tables(url)
