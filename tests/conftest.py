"""Session-wide fixtures: each model loads once per test session; servers run on real databases."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ServerThread, fresh_postgres_database, postgres_reachable

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
JFK = Path(os.environ.get("VIVA_TEST_JFK", SHARED_DATA / "jfk.flac"))


@pytest.fixture(scope="session")
def jfk_path() -> Path:
    if not JFK.exists():
        pytest.fail(f"test recording missing: {JFK} (shared/data must sit beside the repo)")
    return JFK


@pytest.fixture(scope="session")
def speech():
    from app.runtime import load_speech
    from app.settings import Settings

    loaded = load_speech(Settings())
    yield loaded
    loaded.close()


def _database_params() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    if postgres_reachable():
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


@pytest.fixture(scope="session", params=_database_params())
def database_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "viva.db"
        return f"sqlite+aiosqlite:///{path}"
    return fresh_postgres_database(f"viva_test_{os.getpid()}")


@pytest.fixture(scope="session")
def server(database_url, speech, tmp_path_factory) -> Iterator[ServerThread]:
    """A real Viva server (real migrations, real models) on one database backend."""
    from app.main import create_app
    from app.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=database_url)
    with ServerThread(create_app(settings, speech=speech)) as running:
        yield running
