"""Accounts-mode servers and signed-in clients, shared by the security tests."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.db.engine import make_engine
from tests.conftest import _database_params
from tests.support import ServerThread, fresh_postgres_database

PASSWORD = "correct horse battery staple"
GENEROUS = {  # the default limits would stop a test suite that signs up dozens of users
    "rate_register_address": "10000/hour",
    "rate_login_address": "10000/minute",
    "rate_interviews": "10000/hour",
    "rate_interviews_address": "10000/hour",
    "rate_scoring": "10000/minute",
    "rate_scoring_address": "10000/minute",
}


@dataclass
class Account:
    """A signed-in user: an HTTP client holding the session cookie, and the CSRF token."""

    http: httpx.AsyncClient
    id: str
    username: str
    csrf_token: str
    session_cookie: str

    def ws_headers(self, server: ServerThread) -> dict[str, str]:
        return {"Cookie": f"viva_session={self.session_cookie}", "Origin": server.url}


@pytest.fixture(scope="session", params=_database_params())
def accounts_database_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('accounts') / 'viva.db'}"
    return fresh_postgres_database(f"viva_test_accounts_{os.getpid()}")


@pytest.fixture(scope="session")
def accounts_server(accounts_database_url, speech, tmp_path_factory) -> Iterator[ServerThread]:
    """A real Viva in accounts mode, with generous limits except for signing in."""
    from app.main import create_app
    from app.settings import Settings

    settings = Settings(
        auth="accounts",
        data_dir=tmp_path_factory.mktemp("accounts-data"),
        database_url=accounts_database_url,
        **GENEROUS,
    )
    with ServerThread(create_app(settings, speech=speech)) as running:
        running.database_url = accounts_database_url  # type: ignore[attr-defined]
        yield running


def new_name(prefix: str = "user") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


async def sign_up(server: ServerThread, username: str | None = None) -> Account:
    http = httpx.AsyncClient(base_url=server.url, timeout=60)
    name = username or new_name()
    response = await http.post(
        "/api/v1/auth/register", json={"username": name, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    token = body["csrf_token"]
    http.headers["X-CSRF-Token"] = token
    return Account(
        http, body["user"]["id"], body["user"]["username"], token, http.cookies["viva_session"]
    )


async def sign_in_again(server: ServerThread, username: str, password: str) -> Account:
    """Another sign-in of an account (a second browser): a client of its own."""
    http = httpx.AsyncClient(base_url=server.url, timeout=60)
    response = await http.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    http.headers["X-CSRF-Token"] = body["csrf_token"]
    return Account(
        http,
        body["user"]["id"],
        body["user"]["username"],
        body["csrf_token"],
        http.cookies["viva_session"],
    )


@pytest.fixture
async def two_users(accounts_server) -> AsyncIterator[tuple[Account, Account]]:
    alice, bob = (
        await sign_up(accounts_server, new_name("alice")),
        await sign_up(accounts_server, new_name("bob")),
    )
    yield alice, bob
    await alice.http.aclose()
    await bob.http.aclose()


async def sql(database_url: str, statement: str, **params: Any) -> list[Any]:
    """Run SQL on the server's database, as an operator would look at it."""
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def stored_answer_with_audio(
    database_url: str,
    interview_id: str,
    question_id: str | None = None,
    score: dict[str, Any] | None = None,
) -> tuple[str, int]:
    """An answer and its recording stored the way the live session stores them;
    returns the turn id and the recording's size."""
    from app.db.engine import make_sessionmaker
    from app.db.repositories import TurnRepository

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine).begin() as db:
            turns = TurnRepository(db)
            turn = await turns.add(
                interview_id=interview_id,
                speaker="candidate",
                kind="answer",
                text="I added an index and p99 fell from two seconds to 150 ms.",
                question_id=question_id,
                score=score,
            )
            data = b"OggS" + secrets.token_bytes(3000)
            await turns.add_audio(turn.id, data=data, mime="audio/ogg", duration_s=1.0)
            return turn.id, len(data)
    finally:
        await engine.dispose()
