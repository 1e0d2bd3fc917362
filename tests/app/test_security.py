"""Security at the edge, against real servers: headers, hosts and origins, body limits,
rate limits (in memory and in the real Redis on 127.0.0.1:6379), idempotent retries, and
models that never reach the network."""

from __future__ import annotations

import asyncio
import re
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from app.auth.limiter import MemoryLimiter, RedisLimiter
from app.auth.ratelimit import Bucket, Rate, take_all
from app.settings import Settings
from tests.app import auth_support
from tests.app.auth_support import GENEROUS, sign_up, sql
from tests.support import ServerThread

accounts_database_url = auth_support.accounts_database_url
accounts_server = auth_support.accounts_server

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "app" / "web" / "templates"
REDIS_URL = "redis://127.0.0.1:6379/0"
BODY = {"role": "backend-engineer", "round": "mixed", "questions": 2}


@pytest.fixture
async def http(server):
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        yield client


# -- headers ---------------------------------------------------------------------------------


async def test_every_answer_carries_the_security_headers(http, accounts_server):
    async with httpx.AsyncClient(base_url=accounts_server.url) as anonymous:
        answers = [
            await http.get("/"),
            await http.get("/api/v1/roles"),
            await http.get("/api/v1/interviews/nope"),
            await http.get("/static/js/api.js"),
            await anonymous.get("/api/v1/interviews"),  # 401
            await anonymous.get("/login"),
        ]
    for answer in answers:
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, answer.url
        assert "frame-ancestors 'none'" in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"


def test_no_page_has_inline_script_or_event_handlers():
    # The CSP forbids them; a page that needed one would silently break.
    for template in sorted(TEMPLATES.glob("*.html")):
        html = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, f"{template.name}: inline script {tag}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"{template.name}: inline event handler"
        assert "javascript:" not in html, template.name


# -- hosts and origins -----------------------------------------------------------------------


async def test_local_mode_answers_only_to_loopback_names(server):
    # A page on evil.example whose DNS name now points at 127.0.0.1 must not read a local Viva.
    async with httpx.AsyncClient(base_url=server.url) as http:
        for host in ("evil.example", f"evil.example:{server.port}", "192.168.1.20:8000"):
            refused = await http.get("/api/v1/interviews", headers={"Host": host})
            assert refused.status_code == 421, host
            assert "local mode" in refused.json()["detail"]
        for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", "[::1]:8000"):
            assert (await http.get("/api/v1/interviews", headers={"Host": host})).status_code == 200


async def test_cross_origin_writes_are_refused_in_local_mode(http, server):
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "http://evil.example"},
        {"Origin": f"http://localhost:{server.port + 1}"},
    ):
        refused = await http.post("/api/v1/interviews", json=BODY, headers=headers)
        assert refused.status_code == 403, headers
        deleted = await http.delete("/api/v1/interviews/anything", headers=headers)
        assert deleted.status_code == 403, headers
    assert (
        await http.get("/api/v1/roles", headers={"Sec-Fetch-Site": "cross-site"})
    ).status_code == 200
    made = await http.post("/api/v1/interviews", json=BODY, headers={"Origin": server.url})
    assert made.status_code == 201
    same = await http.post(
        "/api/v1/interviews", json=BODY, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert same.status_code == 201


# -- input limits ----------------------------------------------------------------------------


async def test_bodies_over_their_limit_are_refused_before_reading(http, server):
    big = await http.post(
        "/api/v1/score",
        content=b'{"question_id": "behavioral.failure", "text": "' + b"a" * (2 << 20) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert big.status_code == 413 and "1 MB" in big.json()["detail"]

    async def chunks():
        yield b'{"question_id": "behavioral.failure", '
        yield b'"text": "fine"}'

    chunked = await http.post(
        "/api/v1/score", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert chunked.status_code == 411

    # A 30 MB upload announced, not sent: the answer comes before a byte of it is read.
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"POST /api/v1/score/recording HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 30000000\r\n\r\n"
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    assert b" 413 " in status_line

    too_long = await http.post(
        "/api/v1/score", json={"question_id": "behavioral.failure", "text": "a" * 20_001}
    )
    assert too_long.status_code == 422
    wrong_type = await http.post(
        "/api/v1/score/recording",
        data={"question_id": "behavioral.failure"},
        files={"audio": ("notes.txt", b"not audio", "text/plain")},
    )
    assert wrong_type.status_code == 415
    garbage = await http.post(
        "/api/v1/score/recording",
        data={"question_id": "behavioral.failure"},
        files={"audio": ("answer.webm", secrets.token_bytes(4000), "audio/webm")},
    )
    assert garbage.status_code == 422 and "could not read" in garbage.json()["detail"]
    assert (await http.get("/healthz")).status_code == 200


# -- rate limits: the arithmetic -------------------------------------------------------------


def test_rates_parse_or_say_what_is_expected():
    assert Rate.parse("5/minute") == Rate(capacity=5, per_second=5 / 60)
    assert Rate.parse(" 120 / hour ") == Rate(capacity=120, per_second=120 / 3600)
    for bad in ("5 per minute", "0/minute", "5/fortnight", ""):
        with pytest.raises(ValueError, match="N/minute"):
            Rate.parse(bad)
    with pytest.raises(ValidationError, match="rate_login"):
        Settings(rate_login="lots")


def test_a_bucket_allows_its_burst_then_refills_evenly():
    rate = Rate.parse("3/minute")  # one token every 20 s
    bucket: Bucket | None = None
    waits = []
    for _ in range(4):
        kept, wait = take_all([bucket], [rate], now=100.0)
        bucket = kept[0]
        waits.append(wait)
    assert waits[:3] == [0.0, 0.0, 0.0] and waits[3] == pytest.approx(20.0)
    assert take_all([bucket], [rate], now=110.0)[1] == pytest.approx(10.0)
    assert take_all([bucket], [rate], now=120.0)[1] == 0.0
    full = take_all([bucket], [rate], now=10_000.0)[0][0]
    assert full.tokens == pytest.approx(2.0)  # never more than the burst (3, less the one taken)


def test_buckets_are_taken_from_all_or_none():
    user, address = Rate.parse("10/minute"), Rate.parse("2/minute")
    buckets: list[Bucket | None] = [None, None]
    for _ in range(2):
        buckets, wait = take_all(buckets, [user, address], now=0.0)  # type: ignore[assignment]
        assert wait == 0.0
    kept, wait = take_all(buckets, [user, address], now=0.0)
    assert wait == pytest.approx(30.0)
    assert kept[0].tokens == pytest.approx(8.0)  # the refused request took nothing from the user
    # A cost above the burst takes the whole bucket instead of waiting forever.
    kept, wait = take_all([None], [Rate.parse("3/minute")], now=0.0, cost=5)
    assert wait == 0.0 and kept[0].tokens == 0.0


async def test_memory_and_redis_limiters_agree():
    now = [0.0]
    memory = MemoryLimiter(clock=lambda: now[0])
    redis = RedisLimiter(REDIS_URL, f"viva-test-{uuid.uuid4().hex}:")
    rate = Rate.parse("2/second")
    try:
        for limiter in (memory, redis):
            assert await limiter.hit([("a", rate)]) == 0.0
            assert await limiter.hit([("a", rate)]) == 0.0
            wait = await limiter.hit([("a", rate)])
            assert 0.3 < wait <= 0.5, limiter
            assert await limiter.hit([("b", rate)]) == 0.0  # another bucket is its own
        now[0] = 0.5
        await asyncio.sleep(0.5)
        assert await memory.hit([("a", rate)]) == 0.0
        assert await redis.hit([("a", rate)]) == 0.0
        ttl = await redis.client.pttl(f"{redis.prefix}rl:a")
        assert 0 < ttl <= 2500  # forgotten once full again
    finally:
        await redis.aclose()


async def test_workers_share_buckets_through_redis():
    prefix = f"viva-test-{uuid.uuid4().hex}:"
    workers = [RedisLimiter(REDIS_URL, prefix) for _ in range(2)]
    rate = Rate.parse("4/minute")
    try:
        results = await asyncio.gather(*(workers[i % 2].hit([("shared", rate)]) for i in range(10)))
        assert sorted(r == 0.0 for r in results).count(True) == 4
        assert all(13 < r <= 15 for r in results if r)  # one more every 15 s
    finally:
        for worker in workers:
            await worker.aclose()


async def test_two_servers_share_rate_limits_through_redis(speech, tmp_path):
    """Two workers of one deployment: one database, one Redis, limits counted together."""
    from app.main import create_app

    settings = Settings(
        auth="accounts",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'viva.db'}",
        redis_url=REDIS_URL,
        redis_prefix=f"viva-test-{uuid.uuid4().hex}:",
        **{**GENEROUS, "rate_scoring": "3/minute", "rate_scoring_address": "5/minute"},
    )
    body = {"question_id": "behavioral.failure", "text": "it went fine"}
    with (
        ServerThread(create_app(settings, speech=speech)) as one,
        ServerThread(create_app(settings, speech=speech)) as two,
    ):
        first = await sign_up(one)
        on_two = httpx.AsyncClient(
            base_url=two.url, cookies=first.http.cookies, headers=first.http.headers
        )
        codes = [
            (await first.http.post("/api/v1/score", json=body)).status_code,
            (await on_two.post("/api/v1/score", json=body)).status_code,
            (await first.http.post("/api/v1/score", json=body)).status_code,
        ]
        assert codes == [200, 200, 200]
        refused = await on_two.post("/api/v1/score", json=body)
        assert refused.status_code == 429
        assert 15 <= int(refused.headers["Retry-After"]) <= 20  # 3 a minute: one every 20 s
        assert "try again" in refused.json()["detail"]

        # Another user from the same address: the address's 5 are shared with the first.
        second = await sign_up(two)
        codes = [(await second.http.post("/api/v1/score", json=body)).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        # A recording costs five texts: more than the second user has left.
        recording = await second.http.post(
            "/api/v1/score/recording",
            data={"question_id": "behavioral.failure"},
            files={"audio": ("a.wav", b"RIFF", "audio/wav")},
        )
        assert recording.status_code == 429
        for client in (first.http, second.http, on_two):
            await client.aclose()


async def test_interview_creation_is_limited_per_user(speech, tmp_path):
    from app.main import create_app

    settings = Settings(
        auth="accounts",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'viva.db'}",
        **{**GENEROUS, "rate_interviews": "2/hour"},
    )
    with ServerThread(create_app(settings, speech=speech)) as running:
        user, other = await sign_up(running), await sign_up(running)
        codes = [
            (await user.http.post("/api/v1/interviews", json=BODY)).status_code for _ in range(3)
        ]
        assert codes == [201, 201, 429]
        assert (await other.http.post("/api/v1/interviews", json=BODY)).status_code == 201
        await user.http.aclose()
        await other.http.aclose()


async def test_local_mode_has_no_rate_limits_by_default(http):
    codes = {
        (
            await http.post(
                "/api/v1/score", json={"question_id": "behavioral.failure", "text": "ok"}
            )
        ).status_code
        for _ in range(70)  # above the accounts-mode 60 a minute per address
    }
    assert codes == {200}


# -- idempotent retries ----------------------------------------------------------------------


async def test_a_retried_create_returns_the_first_interview(http, database_url):
    key = secrets.token_urlsafe(12)
    before = len((await http.get("/api/v1/interviews")).json())
    first = await http.post("/api/v1/interviews", json=BODY, headers={"Idempotency-Key": key})
    again = await http.post("/api/v1/interviews", json=BODY, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len((await http.get("/api/v1/interviews")).json()) == before + 1

    other = await http.post(
        "/api/v1/interviews", json={**BODY, "questions": 3}, headers={"Idempotency-Key": key}
    )
    assert other.status_code == 422 and "different request" in other.json()["detail"]
    fresh = await http.post("/api/v1/interviews", json=BODY, headers={"Idempotency-Key": key + "2"})
    assert fresh.json()["id"] != first.json()["id"]
    too_long = await http.post(
        "/api/v1/interviews", json=BODY, headers={"Idempotency-Key": "k" * 256}
    )
    assert too_long.status_code == 422


async def test_racing_retries_create_one_interview(http, database_url):
    key = secrets.token_urlsafe(12)
    before = len((await http.get("/api/v1/interviews")).json())
    answers = await asyncio.gather(
        *(
            http.post("/api/v1/interviews", json=BODY, headers={"Idempotency-Key": key})
            for _ in range(8)
        )
    )
    assert [a.status_code for a in answers] == [201] * 8
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum("Idempotent-Replayed" in a.headers for a in answers) == 7
    assert len((await http.get("/api/v1/interviews")).json()) == before + 1
    rows = await sql(database_url, "SELECT count(*) FROM idempotency_keys WHERE key = :k", k=key)
    assert rows[0][0] == 1


async def test_a_retried_score_returns_the_first_report(http):
    key = secrets.token_urlsafe(12)
    body = {"question_id": "behavioral.failure", "text": "I shipped late and learned to plan."}
    answers = await asyncio.gather(
        *(http.post("/api/v1/score", json=body, headers={"Idempotency-Key": key}) for _ in range(4))
    )
    assert [a.status_code for a in answers] == [200] * 4
    assert all(a.json() == answers[0].json() for a in answers)
    assert sum("Idempotent-Replayed" in a.headers for a in answers) == 3
    unknown = await http.post(
        "/api/v1/score",
        json={**body, "question_id": "no.such"},
        headers={"Idempotency-Key": key + "x"},
    )
    assert unknown.status_code == 404
    # A failed request stores nothing: its retry runs again (and fails again, the same way).
    retry = await http.post(
        "/api/v1/score",
        json={**body, "question_id": "no.such"},
        headers={"Idempotency-Key": key + "x"},
    )
    assert retry.status_code == 404 and "Idempotent-Replayed" not in retry.headers


async def test_idempotency_keys_belong_to_their_user(accounts_server):
    alice, bob = await sign_up(accounts_server), await sign_up(accounts_server)
    mine = await alice.http.post("/api/v1/interviews", json=BODY, headers={"Idempotency-Key": "k1"})
    theirs = await bob.http.post("/api/v1/interviews", json=BODY, headers={"Idempotency-Key": "k1"})
    assert mine.json()["id"] != theirs.json()["id"]
    assert (await bob.http.get(f"/api/v1/interviews/{mine.json()['id']}")).status_code == 404
    await alice.http.aclose()
    await bob.http.aclose()


# -- privacy ---------------------------------------------------------------------------------

NO_NETWORK = """
import socket, sys
real_connect = socket.socket.connect
def local_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if self.family == socket.AF_UNIX or host in ("127.0.0.1", "::1", "localhost"):
        return real_connect(self, address)
    raise AssertionError(f"network connection attempted: {address}")
socket.socket.connect = local_only
socket.getaddrinfo = lambda *a, **k: (_ for _ in ()).throw(AssertionError(f"name lookup: {a[0]}"))

from app.runtime import load_content, load_speech
from app.scoring import score_text
from app.settings import Settings
from audio.codecs import decode_file

settings = Settings()
speech = load_speech(settings)
content = load_content(settings)
transcript = speech.recognizer.transcribe(decode_file(sys.argv[1]))
assert "country" in transcript.text.lower(), transcript.text
assert len(speech.synthesizer.synthesize("Tell me about a time you failed.")) > 10_000
question = content.bank.get("behavioral.failure")
assert score_text(content, question, transcript.text)["overall"] >= 0
print("offline ok")
"""


def test_models_run_without_any_network(jfk_path, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, str(jfk_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "offline ok" in done.stdout


async def test_the_unique_constraint_decides_between_two_racing_retries(server, database_url):
    """Deterministic race: the second request looks before the first commits, so only the
    unique constraint can stop it from creating a second result."""
    from app.auth.idempotency import run_once
    from app.db.engine import make_engine, make_sessionmaker

    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    key, ran, first_inside, release = (
        secrets.token_urlsafe(12),
        [],
        asyncio.Event(),
        asyncio.Event(),
    )

    async def slow_first() -> tuple[int, dict]:
        ran.append("first")
        first_inside.set()
        await release.wait()  # the first transaction stays open, its key row inserted
        return 201, {"id": "first"}

    async def second() -> tuple[int, dict]:
        ran.append("second")
        return 201, {"id": "second"}

    async def request(run):
        async with sessions() as db:
            response = await run_once(
                db, owner_id=None, endpoint="test", key=key, request="f", run=run
            )
            return response.status_code, response.body, response.headers.get("Idempotent-Replayed")

    try:
        one = asyncio.create_task(request(slow_first))
        await first_inside.wait()
        two = asyncio.create_task(request(second))
        await asyncio.sleep(0.5)
        assert not two.done()  # waiting on the first transaction
        release.set()
        first_answer, second_answer = await asyncio.gather(one, two)
    finally:
        await engine.dispose()
    assert ran == ["first"]
    assert first_answer == (201, b'{"id":"first"}', None)
    assert second_answer == (201, b'{"id":"first"}', "true")
