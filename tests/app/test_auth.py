"""Accounts mode against a real server: signing up and in, ownership on every route and the
WebSocket, CSRF, login throttling, deleting an account. Local mode stays sign-in free."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from app import cli
from tests.app import auth_support
from tests.app.auth_support import (
    PASSWORD,
    new_name,
    sign_in_again,
    sign_up,
    sql,
    stored_answer_with_audio,
)

accounts_database_url = auth_support.accounts_database_url
accounts_server = auth_support.accounts_server
two_users = auth_support.two_users

WEAK_ANSWER = "i think it went fine in the end"
NEW_PASSWORD = "a different long passphrase"
PUBLIC_OPERATIONS = {  # no session needed, by design
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/v1/audio/transcriptions"),  # a bearer key (VIVA_ASR_SERVE_KEY), never a session
}


def ws(server, interview_id: str) -> str:
    return f"{server.ws_url}/api/v1/interviews/{interview_id}/ws"


async def operations(server) -> set[tuple[str, str]]:
    async with httpx.AsyncClient(base_url=server.url) as http:
        spec = (await http.get("/openapi.json")).json()
    return {(m.upper(), path) for path, item in spec["paths"].items() for m in item}


def filled(path: str) -> str:
    return (
        path.replace("{interview_id}", "some-id")
        .replace("{turn_id}", "some-id")
        .replace("{plan_id}", "some-id")
        .replace("{day}", "1")
    )


# -- local mode ------------------------------------------------------------------------------


async def test_local_mode_has_no_sign_in(server):
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/api/v1/interviews")).status_code == 200
        login = await http.get("/login")
        assert login.status_code == 303 and login.headers["location"] == "/"
        api_login = await http.post(
            "/api/v1/auth/login", json={"username": "someone", "password": PASSWORD}
        )
        assert api_login.status_code == 404 and "local mode" in api_login.json()["detail"]
        account = (await http.get("/api/v1/account")).json()
        assert account["mode"] == "local" and account["username"] is None
        assert "viva_session" not in http.cookies


async def test_local_mode_deletes_everything_only_when_confirmed(speech, tmp_path):
    from app.main import create_app
    from app.settings import Settings
    from tests.support import ServerThread

    settings = Settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'v.db'}")
    with ServerThread(create_app(settings, speech=speech)) as local:
        async with httpx.AsyncClient(base_url=local.url) as http:
            made = await http.post("/api/v1/interviews", json={"role": "backend-engineer"})
            await stored_answer_with_audio(settings.sqlalchemy_url, made.json()["id"])
            page = await http.get("/account")
            assert 'name="confirm"' in page.text and 'name="password"' not in page.text
            unconfirmed = await http.request("DELETE", "/api/v1/account", json={})
            assert unconfirmed.status_code == 422
            assert len((await http.get("/api/v1/interviews")).json()) == 1
            form = await http.post(
                "/account/delete", data={"csrf_token": http.cookies["viva_csrf"], "confirm": "yes"}
            )
            assert (
                form.status_code == 303 and form.headers["location"] == "/account?done=everything"
            )
            assert (await http.get("/api/v1/interviews")).json() == []
            assert (await http.get("/api/v1/account")).json()["recordings"] == 0
            assert await sql(settings.sqlalchemy_url, "SELECT id FROM turns") == []


def test_serving_beyond_loopback_needs_accounts(monkeypatch, capsys):
    served = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: served.append(kw["host"]))
    monkeypatch.setenv("VIVA_AUTH", "local")
    cli.get_settings.cache_clear()
    assert cli.main(["serve", "--host", "0.0.0.0"]) == 2
    assert "VIVA_AUTH=accounts" in capsys.readouterr().err and served == []

    assert cli.main(["serve", "--host", "127.0.0.1", "--port", "8999"]) == 0
    monkeypatch.setenv("VIVA_AUTH", "accounts")
    cli.get_settings.cache_clear()
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "8999"]) == 0
    assert served == ["127.0.0.1", "0.0.0.0"]
    cli.get_settings.cache_clear()


# -- signing up, in and out ------------------------------------------------------------------


async def test_register_sign_in_and_out(accounts_server):
    name = new_name("Carol")
    async with httpx.AsyncClient(base_url=accounts_server.url) as http:
        created = await http.post(
            "/api/v1/auth/register", json={"username": name, "password": PASSWORD}
        )
        assert created.status_code == 201
        assert created.json()["user"]["username"] == name.lower()
        cookies = {c.split("=", 1)[0]: c for c in created.headers.get_list("set-cookie")}
        session = cookies["viva_session"].lower()
        assert "httponly" in session and "samesite=lax" in session and "path=/" in session
        csrf = cookies["viva_csrf"].lower()
        assert "httponly" not in csrf and "samesite=strict" in csrf
        assert (await http.get("/api/v1/account")).json()["username"] == name.lower()

        token = created.json()["csrf_token"]
        http.headers["X-CSRF-Token"] = token
        taken = await http.post(
            "/api/v1/auth/register", json={"username": name.upper(), "password": PASSWORD}
        )
        assert taken.status_code == 409
        short = await http.post(
            "/api/v1/auth/register", json={"username": new_name(), "password": "short"}
        )
        assert short.status_code == 422 and "8 characters" in short.json()["detail"]

        out = await http.post("/api/v1/auth/logout")
        assert out.status_code == 204
        assert (await http.get("/api/v1/account")).status_code == 401

        wrong = await http.post("/api/v1/auth/login", json={"username": name, "password": "x" * 12})
        assert wrong.status_code == 401 and wrong.json()["detail"] == "Wrong name or password."
        unknown = await http.post(
            "/api/v1/auth/login", json={"username": new_name(), "password": PASSWORD}
        )
        assert unknown.json() == wrong.json()  # nothing tells which names exist
        back = await http.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
        assert back.status_code == 200
        assert (await http.get("/api/v1/account")).status_code == 200

    rows = await sql(
        accounts_server.database_url,
        "SELECT password_hash FROM users WHERE username = :name",
        name=name.lower(),
    )
    assert rows[0][0].startswith("$argon2id$") and PASSWORD not in rows[0][0]
    sessions = await sql(accounts_server.database_url, "SELECT id FROM user_sessions")
    assert all(len(s[0]) == 64 for s in sessions)  # hashes of the cookies, never the cookies


async def test_an_expired_session_signs_nobody_in(accounts_server):
    user = await sign_up(accounts_server)
    assert (await user.http.get("/api/v1/account")).status_code == 200
    await sql(
        accounts_server.database_url,
        "UPDATE user_sessions SET expires_at = created_at WHERE user_id = :id",
        id=user.id,
    )
    assert (await user.http.get("/api/v1/account")).status_code == 401
    await user.http.aclose()


async def test_everything_but_signing_in_needs_a_session(accounts_server):
    async with httpx.AsyncClient(base_url=accounts_server.url) as http:
        for method, path in sorted(await operations(accounts_server)):
            response = await http.request(method, filled(path))
            if (method, path) in PUBLIC_OPERATIONS:
                assert response.status_code != 401, path
            else:
                assert response.status_code == 401, (method, path, response.text)
        for page in (
            "/",
            "/history",
            "/progress",
            "/practice",
            "/score",
            "/account",
            "/interviews/x",
        ):
            response = await http.get(page)
            assert response.status_code == 303, page
            assert response.headers["location"].startswith("/login?next=")
        refused = await http.post("/logout", data={"csrf_token": "x"})
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
        assert (await http.get("/login")).status_code == 200
        assert (await http.get("/static/js/api.js")).status_code == 200


async def test_pages_sign_up_and_in_with_forms(accounts_server):
    name = new_name("dana")
    async with httpx.AsyncClient(base_url=accounts_server.url) as http:
        page = await http.get("/register", params={"next": "/history"})
        assert page.status_code == 200
        token = http.cookies["viva_csrf"]
        assert f'value="{token}"' in page.text and "<script" in page.text

        no_token = await http.post(
            "/register", data={"username": name, "password": PASSWORD, "password_again": PASSWORD}
        )
        assert no_token.status_code == 403 and "another site" in no_token.text
        differ = await http.post(
            "/register",
            data={
                "username": name,
                "password": PASSWORD,
                "password_again": PASSWORD + "!",
                "csrf_token": token,
            },
        )
        assert differ.status_code == 422 and "differ" in differ.text
        made = await http.post(
            "/register",
            data={
                "username": name,
                "password": PASSWORD,
                "password_again": PASSWORD,
                "csrf_token": token,
                "next": "/history",
            },
        )
        assert made.status_code == 303 and made.headers["location"] == "/history"
        account = await http.get("/account")
        assert account.status_code == 200 and name in account.text

        session_token = http.cookies["viva_csrf"]
        assert session_token != token  # a new token with the new session
        assert (await http.post("/logout", data={"csrf_token": token})).status_code == 403
        out = await http.post("/logout", data={"csrf_token": session_token})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert (await http.get("/account")).status_code == 303

        login_page = await http.get("/login", params={"next": "//evil.example/"})
        assert 'name="next" value="/"' in login_page.text  # never a redirect off this site
        form_token = http.cookies["viva_csrf"]
        wrong = await http.post(
            "/login", data={"username": name, "password": "nope" * 3, "csrf_token": form_token}
        )
        assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
        signed = await http.post(
            "/login",
            data={
                "username": name,
                "password": PASSWORD,
                "csrf_token": form_token,
                "next": "https://evil.example/",
            },
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/"


# -- CSRF ------------------------------------------------------------------------------------


async def test_writes_need_the_csrf_token_or_a_same_origin_browser(accounts_server):
    user = await sign_up(accounts_server)
    body = {"role": "backend-engineer", "questions": 1}
    del user.http.headers["X-CSRF-Token"]
    url = "/api/v1/interviews"

    missing = await user.http.post(url, json=body)
    assert missing.status_code == 403 and "X-CSRF-Token" in missing.json()["detail"]
    wrong = await user.http.post(url, json=body, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    other = await sign_up(accounts_server)  # another session's token is no good either
    assert (
        await user.http.post(url, json=body, headers={"X-CSRF-Token": other.csrf_token})
    ).status_code == 403

    site = f"http://evil.example:{accounts_server.port}"
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # another port or subdomain of this site
        {"Origin": site},
        {"Origin": "null"},
        {"Origin": site, "X-CSRF-Token": user.csrf_token},  # a browser said: not from here
    ):
        refused = await user.http.post(url, json=body, headers=headers)
        assert refused.status_code == 403, headers

    assert (
        await user.http.post(url, json=body, headers={"X-CSRF-Token": user.csrf_token})
    ).status_code == 201
    assert (
        await user.http.post(url, json=body, headers={"Sec-Fetch-Site": "same-origin"})
    ).status_code == 201
    assert (
        await user.http.post(url, json=body, headers={"Origin": accounts_server.url})
    ).status_code == 201
    assert (await user.http.get("/api/v1/interviews")).status_code == 200  # reading needs none

    listed = (await user.http.get("/api/v1/interviews")).json()
    assert len(listed) == 3  # only the three allowed requests made anything
    await user.http.aclose()
    await other.http.aclose()


async def test_a_lost_csrf_cookie_comes_back(accounts_server):
    user = await sign_up(accounts_server)
    user.http.cookies.delete("viva_csrf")
    await user.http.get("/api/v1/account")
    assert user.http.cookies["viva_csrf"] == user.csrf_token
    await user.http.aclose()


# -- login throttling ------------------------------------------------------------------------


async def test_sign_in_attempts_are_throttled_per_account(accounts_server):
    victim = await sign_up(accounts_server)
    async with httpx.AsyncClient(base_url=accounts_server.url) as attacker:
        answers = [
            await attacker.post(
                "/api/v1/auth/login", json={"username": victim.username, "password": f"guess{i}xx"}
            )
            for i in range(6)
        ]
        assert [a.status_code for a in answers] == [401] * 5 + [429]
        retry_after = int(answers[-1].headers["Retry-After"])
        assert 1 <= retry_after <= 12  # 5 a minute: one more every 12 s
        right = await attacker.post(
            "/api/v1/auth/login", json={"username": victim.username, "password": PASSWORD}
        )
        assert right.status_code == 429  # even the right password waits: guessing stays slow
        form = await attacker.get("/login")
        throttled_form = await attacker.post(
            "/login",
            data={
                "username": victim.username,
                "password": PASSWORD,
                "csrf_token": attacker.cookies["viva_csrf"],
            },
        )
        assert form.status_code == 200 and throttled_form.status_code == 429
        assert "Retry-After" in throttled_form.headers

        someone_else = await sign_up(accounts_server)
        fine = await attacker.post(
            "/api/v1/auth/login", json={"username": someone_else.username, "password": PASSWORD}
        )
        assert fine.status_code == 200  # the account's bucket, not the address's, ran out
    await victim.http.aclose()
    await someone_else.http.aclose()


# -- ownership: every route, two users -------------------------------------------------------


async def test_no_route_shows_or_changes_another_users_data(accounts_server, two_users):
    alice, bob = two_users
    db_url = accounts_server.database_url
    created = await alice.http.post(
        "/api/v1/interviews",
        json={"role": "backend-engineer", "questions": 2},
        headers={"Idempotency-Key": "same-key"},
    )
    interview_id = created.json()["id"]
    report = (
        await alice.http.post(
            "/api/v1/score", json={"question_id": "behavioral.failure", "text": WEAK_ANSWER}
        )
    ).json()
    turn_id, audio_size = await stored_answer_with_audio(
        db_url, interview_id, "behavioral.failure", report
    )
    plan = await alice.http.post("/api/v1/practice-plans", json={"role": "backend-engineer"})
    assert plan.status_code == 201, plan.text
    plan_id = plan.json()["id"]
    bobs_own = (await bob.http.post("/api/v1/interviews", json={"role": "backend-engineer"})).json()
    assert min(len(interview_id), len(turn_id), len(plan_id), len(alice.id)) >= 22  # 128 bits
    a_path = f"/api/v1/interviews/{interview_id}"

    async def as_bob(method: str, path: str, **kw) -> httpx.Response:
        return await bob.http.request(method, path, **kw)

    async def not_found(method: str, path: str, **kw) -> None:
        response = await as_bob(method, path, **kw)
        assert response.status_code == 404, (method, path, response.text)

    async def no_user_data(method: str, path: str, **kw) -> None:
        response = await as_bob(method, path, **kw)
        assert response.status_code < 400, (method, path, response.text)

    async def interviews_listed(method: str, path: str) -> None:
        ids = {i["id"] for i in (await as_bob(method, path)).json()}
        assert ids == {bobs_own["id"]}

    async def interview_created(method: str, path: str) -> None:
        # Alice's Idempotency-Key is hers: Bob's request with it makes Bob's own interview.
        response = await as_bob(
            method,
            path,
            json={"role": "backend-engineer", "questions": 2},
            headers={"Idempotency-Key": "same-key"},
        )
        assert response.status_code == 201 and response.json()["id"] != interview_id
        assert "Idempotent-Replayed" not in response.headers
        assert (
            await alice.http.get(f"/api/v1/interviews/{response.json()['id']}")
        ).status_code == 404

    async def audio(method: str, path: str) -> None:
        await not_found(method, f"{a_path}/turns/{turn_id}/audio")
        # Bob's own interview id with Alice's turn id is no way in either.
        await not_found(method, f"/api/v1/interviews/{bobs_own['id']}/turns/{turn_id}/audio")

    async def weak_spots(method: str, path: str) -> None:
        assert (await as_bob(method, path)).json() == []
        alices = (await alice.http.get(path)).json()
        assert "behavioral.failure" in {s["id"] for s in alices}

    async def progress(method: str, path: str) -> None:
        assert interview_id not in {p.get("id") for p in (await as_bob(method, path)).json()}

    async def account(method: str, path: str) -> None:
        summary = (await as_bob(method, path)).json()
        assert summary["username"] == bob.username and summary["recordings"] == 0

    async def recordings_deleted(method: str, path: str) -> None:
        assert (await as_bob(method, path)).json() == {"deleted": 0}

    async def plans_current(method: str, path: str) -> None:
        response = await as_bob(method, path)  # Bob's own plan (made above), never Alice's
        assert response.status_code == 200 and response.json()["id"] != plan_id

    async def password_changed(method: str, path: str) -> None:
        # Bob changes his own password, and back; Alice stays signed in, her password as it was.
        for current, new in ((PASSWORD, NEW_PASSWORD), (NEW_PASSWORD, PASSWORD)):
            body = {"current_password": current, "new_password": new}
            response = await as_bob(method, path, json=body)
            assert response.status_code == 204, response.text
        assert (await alice.http.get("/api/v1/account")).json()["username"] == alice.username

    async def stateless(method: str, path: str, expected: int, **kw) -> None:
        assert (await as_bob(method, path, **kw)).status_code == expected

    routes = {
        ("GET", "/api/v1/roles"): no_user_data,
        ("GET", "/api/v1/questions"): no_user_data,
        ("GET", "/api/v1/interviews"): interviews_listed,
        ("POST", "/api/v1/interviews"): interview_created,
        ("GET", "/api/v1/interviews/{interview_id}"): lambda m, p: not_found(m, a_path),
        ("DELETE", "/api/v1/interviews/{interview_id}"): lambda m, p: not_found(m, a_path),
        ("GET", "/api/v1/interviews/{interview_id}/turns/{turn_id}/audio"): audio,
        ("GET", "/api/v1/interviews/{interview_id}/export"): lambda m, p: not_found(
            m, f"{a_path}/export"
        ),
        ("GET", "/api/v1/interviews/{interview_id}/rescore"): lambda m, p: not_found(
            m, f"{a_path}/rescore"
        ),
        ("POST", "/api/v1/interviews/{interview_id}/rescore"): lambda m, p: not_found(
            m, f"{a_path}/rescore?all=true"
        ),
        ("POST", "/api/v1/plans/preview"): lambda m, p: no_user_data(
            m, p, json={"role": "backend-engineer"}
        ),
        ("GET", "/api/v1/weak-spots"): weak_spots,
        ("POST", "/api/v1/practice-plans"): lambda m, p: no_user_data(
            m, p, json={"role": "backend-engineer"}
        ),
        ("GET", "/api/v1/practice-plans/current"): plans_current,
        ("GET", "/api/v1/practice-plans/{plan_id}"): lambda m, p: not_found(
            m, f"/api/v1/practice-plans/{plan_id}"
        ),
        ("POST", "/api/v1/practice-plans/{plan_id}/days/{day}/done"): lambda m, p: not_found(
            m, f"/api/v1/practice-plans/{plan_id}/days/1/done"
        ),
        ("DELETE", "/api/v1/practice-plans/{plan_id}/days/{day}/done"): lambda m, p: not_found(
            m, f"/api/v1/practice-plans/{plan_id}/days/1/done"
        ),
        ("GET", "/api/v1/progress"): progress,
        ("POST", "/api/v1/score"): lambda m, p: no_user_data(
            m, p, json={"question_id": "behavioral.failure", "text": WEAK_ANSWER}
        ),
        ("POST", "/api/v1/score/recording"): lambda m, p: stateless(
            m,
            p,
            422,
            data={"question_id": "behavioral.failure"},
            files={"audio": ("a.wav", b"RIFF", "audio/wav")},
        ),
        ("GET", "/api/v1/account"): account,
        ("DELETE", "/api/v1/account/recordings"): recordings_deleted,
        ("POST", "/api/v1/account/password"): password_changed,
        # Bob deleting his account last: everything of Alice's is checked after it.
        ("DELETE", "/api/v1/account"): lambda m, p: no_user_data(m, p, json={"password": PASSWORD}),
    }
    not_per_user = PUBLIC_OPERATIONS | {("POST", "/api/v1/auth/logout")}
    assert set(routes) | not_per_user == await operations(accounts_server), (
        "every HTTP operation needs a two-user check here"
    )
    for (method, path), check in routes.items():
        await check(method, path)

    # Alice's data is all there and all hers, after everything Bob tried.
    interview = await alice.http.get(a_path)
    assert interview.status_code == 200
    assert [t["id"] for t in interview.json()["turns"]] == [turn_id]
    recording = await alice.http.get(f"{a_path}/turns/{turn_id}/audio")
    assert recording.status_code == 200 and len(recording.content) == audio_size
    days = (await alice.http.get(f"/api/v1/practice-plans/{plan_id}")).json()["days"]
    assert not any(d["done"] for d in days)
    assert (await alice.http.get("/api/v1/account")).json()["recordings"] == 1
    assert (await bob.http.get("/api/v1/account")).status_code == 401  # Bob deleted himself


async def test_the_websocket_takes_the_session_and_its_origin(accounts_server, two_users):
    alice, bob = two_users
    interview_id = (
        await alice.http.post(
            "/api/v1/interviews", json={"role": "backend-engineer", "questions": 1}
        )
    ).json()["id"]
    url = ws(accounts_server, interview_id)

    async with websockets.connect(url, additional_headers=alice.ws_headers(accounts_server)) as own:
        await own.send(json.dumps({"type": "start", "sample_rate": 16000}))
        first = json.loads(await asyncio.wait_for(_next_text(own), 30))
        assert first["type"] in ("state", "say")

    async with websockets.connect(url, additional_headers=bob.ws_headers(accounts_server)) as other:
        message = json.loads(await asyncio.wait_for(other.recv(), 10))
        assert message["type"] == "error" and message["code"] == "not_found"
        await asyncio.wait_for(other.wait_closed(), 10)
        assert other.close_code == 4404

    async with websockets.connect(url, additional_headers={"Origin": accounts_server.url}) as anon:
        message = json.loads(await asyncio.wait_for(anon.recv(), 10))
        assert message["code"] == "unauthorized"
        await asyncio.wait_for(anon.wait_closed(), 10)
        assert anon.close_code == 4401

    cookie = {"Cookie": alice.ws_headers(accounts_server)["Cookie"]}
    for headers in (
        {**cookie, "Origin": f"http://evil.example:{accounts_server.port}"},
        cookie,  # a browser always names the origin; accounts mode insists
    ):
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(url, additional_headers=headers):
                pass
        assert refused.value.response.status_code == 403

    turns = (await alice.http.get(f"/api/v1/interviews/{interview_id}")).json()["turns"]
    assert turns and all(t["speaker"] == "interviewer" for t in turns)  # only Alice's session spoke


async def open_interview(server, user) -> websockets.ClientConnection:
    """A started live interview of `user` on `server`, its greeting under way."""
    made = await user.http.post(
        f"{server.url}/api/v1/interviews", json={"role": "backend-engineer", "questions": 1}
    )
    assert made.status_code == 201, made.text
    connection = await websockets.connect(
        ws(server, made.json()["id"]), additional_headers=user.ws_headers(server)
    )
    await connection.send(json.dumps({"type": "start", "sample_rate": 16000}))
    await asyncio.wait_for(_next_text(connection), 30)
    return connection


async def closed_with(connection) -> tuple[dict, int | None]:
    """The error the server sent last before it closed the socket, and the close code."""
    last_error: dict = {}
    with contextlib.suppress(websockets.ConnectionClosed):
        while True:
            message = await asyncio.wait_for(connection.recv(), 15)
            if isinstance(message, str) and json.loads(message)["type"] == "error":
                last_error = json.loads(message)
    return last_error, connection.close_code


async def test_signing_out_closes_the_open_interview_at_once(accounts_server, two_users):
    alice, _bob = two_users
    connection = await open_interview(accounts_server, alice)
    assert (await alice.http.post("/api/v1/auth/logout")).status_code == 204
    error, code = await closed_with(connection)
    assert error["code"] == "signed_out" and "sign in again" in error["message"].lower()
    assert code == 4401


async def test_deleting_the_account_closes_its_open_interview(accounts_server):
    user = await sign_up(accounts_server)
    connection = await open_interview(accounts_server, user)
    gone = await user.http.request("DELETE", "/api/v1/account", json={"password": PASSWORD})
    assert gone.status_code == 204
    error, code = await closed_with(connection)
    assert error["code"] == "signed_out" and "deleted" in error["message"] and code == 4401
    await user.http.aclose()


async def test_changing_the_password_ends_every_other_sign_in(accounts_server):
    here = await sign_up(accounts_server)
    there = await sign_in_again(accounts_server, here.username, PASSWORD)
    connection = await open_interview(accounts_server, there)
    path = "/api/v1/account/password"

    wrong = await here.http.post(path, json={"current_password": "nope", "new_password": "x" * 9})
    assert wrong.status_code == 403 and "unchanged" in wrong.json()["detail"]
    short = await here.http.post(path, json={"current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 422 and "at least 8" in short.json()["detail"]
    assert (await there.http.get("/api/v1/account")).status_code == 200  # nothing changed yet

    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert (await here.http.post(path, json=body)).status_code == 204
    assert (await here.http.get("/api/v1/account")).status_code == 200  # this sign-in stays
    assert (await there.http.get("/api/v1/account")).status_code == 401  # the other ended
    error, code = await closed_with(connection)  # and its open interview closed
    assert error["code"] == "signed_out" and code == 4401
    async with httpx.AsyncClient(base_url=accounts_server.url) as http:
        old = {"username": here.username, "password": PASSWORD}
        assert (await http.post("/api/v1/auth/login", json=old)).status_code == 401
        new = {"username": here.username, "password": NEW_PASSWORD}
        assert (await http.post("/api/v1/auth/login", json=new)).status_code == 200
    await here.http.aclose()
    await there.http.aclose()


async def test_the_account_page_changes_the_password(accounts_server):
    user = await sign_up(accounts_server)
    page = await user.http.get("/account")
    assert 'data-testid="password-form"' in page.text
    form = {
        "csrf_token": user.csrf_token,
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD + "!",
    }
    differ = await user.http.post("/account/password", data=form)
    assert differ.status_code == 422 and "differ" in differ.text
    changed = await user.http.post(
        "/account/password", data={**form, "new_password_again": NEW_PASSWORD}
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/account?done=password"
    done = await user.http.get("/account?done=password")
    assert "Your password is changed" in done.text
    await user.http.aclose()


async def test_an_operator_sets_a_forgotten_password_and_ends_its_sign_ins(
    accounts_server, monkeypatch, capsys
):
    user = await sign_up(accounts_server)
    monkeypatch.setenv("VIVA_DATABASE_URL", accounts_server.database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    cli.get_settings.cache_clear()
    try:
        code = await asyncio.to_thread(cli.main, ["set-password", user.username.upper()])
        assert code == 0, capsys.readouterr().err
        monkeypatch.setattr("sys.stdin", io.StringIO("x\n"))
        assert await asyncio.to_thread(cli.main, ["set-password", user.username]) == 2
        monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
        assert await asyncio.to_thread(cli.main, ["set-password", "nobody-here"]) == 1
    finally:
        cli.get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "at least 8" in err and "no account 'nobody-here'" in err
    assert (await user.http.get("/api/v1/account")).status_code == 401
    signed = await sign_in_again(accounts_server, user.username, NEW_PASSWORD)
    assert (await signed.http.get("/api/v1/account")).status_code == 200
    await user.http.aclose()
    await signed.http.aclose()


async def test_a_sign_out_through_another_process_closes_the_interview_soon(
    accounts_server, two_users, speech, tmp_path, monkeypatch
):
    """Two Viva processes on one database: the sign-out goes through one, the interview runs
    on the other, which notices at its next check of the sign-in."""
    from app.live import session
    from app.main import create_app
    from app.settings import Settings
    from tests.support import ServerThread

    monkeypatch.setattr(session, "SIGN_IN_CHECK_S", 0.5)
    alice, _bob = two_users
    settings = Settings(
        auth="accounts",
        data_dir=tmp_path,
        database_url=accounts_server.database_url,
        **auth_support.GENEROUS,
    )
    with ServerThread(create_app(settings, speech=speech)) as other:
        connection = await open_interview(other, alice)
        await asyncio.sleep(1.5)  # several checks while signed in: the interview goes on
        assert connection.close_code is None
        assert (await alice.http.post("/api/v1/auth/logout")).status_code == 204
        error, code = await closed_with(connection)
    assert error["code"] == "signed_out" and code == 4401


async def _next_text(connection) -> str:
    while True:
        message = await connection.recv()
        if isinstance(message, str):
            return message


# -- deleting an account ---------------------------------------------------------------------


async def test_deleting_an_account_deletes_everything_of_it(accounts_server, two_users):
    alice, bob = two_users
    db_url = accounts_server.database_url
    ids = {}
    for user in (alice, bob):
        interview = await user.http.post(
            "/api/v1/interviews",
            json={"role": "backend-engineer"},
            headers={"Idempotency-Key": "k"},
        )
        ids[user.id] = interview.json()["id"]
        await stored_answer_with_audio(db_url, ids[user.id])
        assert (
            await user.http.post("/api/v1/practice-plans", json={"role": "backend-engineer"})
        ).status_code == 201

    wrong = await alice.http.request(
        "DELETE", "/api/v1/account", json={"password": "not it at all"}
    )
    assert wrong.status_code == 403
    assert (await alice.http.get("/api/v1/account")).json()["recordings"] == 1

    gone = await alice.http.request("DELETE", "/api/v1/account", json={"password": PASSWORD})
    assert gone.status_code == 204
    assert (await alice.http.get("/api/v1/interviews")).status_code == 401

    left = {
        "users": "SELECT count(*) FROM users WHERE id = :id",
        "user_sessions": "SELECT count(*) FROM user_sessions WHERE user_id = :id",
        "interviews": "SELECT count(*) FROM interviews WHERE owner_id = :id",
        "turns": "SELECT count(*) FROM turns WHERE interview_id = :interview",
        "answer_audio": "SELECT count(*) FROM answer_audio a JOIN turns t ON t.id = a.turn_id "
        "WHERE t.interview_id = :interview",
        "practice_plans": "SELECT count(*) FROM practice_plans WHERE owner_id = :id",
        "practice_days": "SELECT count(*) FROM practice_days d JOIN practice_plans p "
        "ON p.id = d.plan_id WHERE p.owner_id = :id",
        "idempotency_keys": "SELECT count(*) FROM idempotency_keys WHERE owner_key = :id",
    }
    for user, expected in ((alice, 0), (bob, None)):
        for table, query in left.items():
            (count,) = (await sql(db_url, query, id=user.id, interview=ids[user.id]))[0]
            if expected == 0:
                assert count == 0, f"{table} still holds rows of the deleted account"
            else:
                assert count >= 1, f"{table} lost rows of another account"
    # The name is free again.
    again = await sign_up(accounts_server, alice.username)
    assert (await again.http.get("/api/v1/interviews")).json() == []
    await again.http.aclose()


async def test_all_recordings_can_be_deleted_and_transcripts_stay(accounts_server):
    user = await sign_up(accounts_server)
    interview_id = (
        await user.http.post("/api/v1/interviews", json={"role": "backend-engineer"})
    ).json()["id"]
    turn_id, _ = await stored_answer_with_audio(accounts_server.database_url, interview_id)
    assert (await user.http.get("/api/v1/account")).json()["recordings"] == 1

    page = await user.http.get("/account")
    assert page.status_code == 200 and "Delete all recordings" in page.text
    form = await user.http.post("/account/recordings/delete", data={"csrf_token": user.csrf_token})
    assert form.status_code == 303
    assert (await user.http.get("/api/v1/account")).json()["recordings"] == 0
    turn = (await user.http.get(f"/api/v1/interviews/{interview_id}")).json()["turns"][0]
    assert turn["id"] == turn_id and turn["text"] and turn["audio_url"] is None
    await user.http.aclose()
