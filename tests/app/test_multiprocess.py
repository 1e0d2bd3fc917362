"""Two `viva serve` processes sharing one PostgreSQL and one Redis, as behind a load balancer.

What an operator relies on: both start (and migrate) at once, an interview made on one is seen
on the other, a candidate who reconnects to the other node resumes where they were, a second
window on the other node takes the interview over, retries with an Idempotency-Key and rate
limits hold across nodes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from app.bench import Server
from app.candidate import Candidate
from tests.support import fresh_postgres_database, postgres_reachable

pytestmark = pytest.mark.slow

REDIS_URL = os.environ.get("VIVA_TEST_REDIS", "redis://127.0.0.1:6379/0")
BODY = {"role": "backend-engineer", "round": "behavioral", "questions": 2}
INTERVIEWS_PER_HOUR = 3


def redis_reachable() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@dataclass
class Cluster:
    a: Server
    b: Server
    database_url: str
    redis_prefix: str


@pytest.fixture(scope="module")
def services() -> None:
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")


@pytest.fixture(scope="module")
def cluster(services) -> Iterator[Cluster]:
    url = fresh_postgres_database(f"viva_multi_{os.getpid()}")
    prefix = f"viva-test-{secrets.token_hex(4)}:"
    env = {
        "VIVA_DATABASE_URL": url.replace("postgresql+asyncpg://", "postgresql://", 1),
        "VIVA_REDIS_URL": REDIS_URL,
        "VIVA_REDIS_PREFIX": prefix,
        "VIVA_RATE_LIMITS": "true",
        "VIVA_RATE_INTERVIEWS": f"{INTERVIEWS_PER_HOUR}/hour",
    }
    with tempfile.TemporaryDirectory(prefix="viva-multi-") as root:
        for name in ("a", "b"):
            os.mkdir(f"{root}/{name}")
        # Both start at once, so both migrate the empty database at the same moment.
        with ThreadPoolExecutor(2) as pool:
            starting = [pool.submit(Server, f"{root}/{name}", env) for name in ("a", "b")]
        nodes = [s.result() for s in starting if s.exception() is None]
        try:
            if len(nodes) < 2:
                raise next(e for s in starting if (e := s.exception()) is not None)
            yield Cluster(nodes[0], nodes[1], url, prefix)
        finally:
            for node in nodes:
                node.stop()


@pytest.fixture(autouse=True)
def full_rate_buckets(request: pytest.FixtureRequest) -> None:
    """Each test starts with full buckets: only the rate-limit test spends them all."""
    import redis

    if "cluster" not in request.fixturenames:
        return
    cluster: Cluster = request.getfixturevalue("cluster")

    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=f"{cluster.redis_prefix}*"):
            client.delete(key)
    finally:
        client.close()


def ws_url(node: Server, interview_id: str) -> str:
    return node.url.replace("http://", "ws://") + f"/api/v1/interviews/{interview_id}/ws"


async def create(node: Server, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=node.url, timeout=30) as http:
        return await http.post("/api/v1/interviews", json=BODY, headers=headers)


async def stored(node: Server, interview_id: str) -> dict:
    async with httpx.AsyncClient(base_url=node.url, timeout=30) as http:
        response = await http.get(f"/api/v1/interviews/{interview_id}")
    assert response.status_code == 200, response.text
    return response.json()


def answers(interview: dict) -> list[str]:
    return [t["text"] for t in interview["turns"] if t["speaker"] == "candidate"]


async def test_nodes_migrated_together_and_both_serve(cluster):
    for node in (cluster.a, cluster.b):
        async with httpx.AsyncClient(base_url=node.url) as http:
            ready = await http.get("/readyz")
        assert ready.status_code == 200 and ready.json()["ready"] is True
        assert "Traceback" not in node.log_text()


MIGRATE_ON_SIGNAL = """
import sys, time
from pathlib import Path
from app.db.migrate import upgrade
url, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
ready.touch()
while not go.exists():
    time.sleep(0.002)
upgrade(url)
"""


def test_concurrent_upgrades_of_one_empty_database_all_succeed(services, tmp_path):
    """Three processes migrate one new database at the same instant; without the lock, two of
    them create the same tables and fail."""
    url = fresh_postgres_database(f"viva_multi_race_{os.getpid()}")
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_ON_SIGNAL, url, str(tmp_path / f"ready-{n}"), str(go)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], errors


async def test_an_interview_made_on_one_node_is_listed_on_the_other(cluster):
    created = await create(cluster.a)
    assert created.status_code == 201, created.text
    interview_id = created.json()["id"]
    async with httpx.AsyncClient(base_url=cluster.b.url) as http:
        listed = await http.get("/api/v1/interviews")
    assert interview_id in {i["id"] for i in listed.json()}
    assert (await stored(cluster.b, interview_id))["questions"] == created.json()["questions"]


async def test_a_candidate_reconnecting_to_the_other_node_resumes_where_they_were(cluster):
    created = await create(cluster.a)
    interview_id = created.json()["id"]
    first = "I led the migration of our billing service and I cut costs by 30 percent. " * 3
    async with Candidate(ws_url(cluster.a, interview_id)) as candidate:
        await candidate.send({"type": "start"})
        await candidate.wait_listening(since=0)
        before = len(candidate.messages)
        await candidate.send({"type": "text_answer", "text": first})
        asked = await candidate.wait_for(
            lambda m: m["type"] == "say" and m["kind"] in ("followup", "question"), since=before
        )
        await candidate.wait_for(lambda m: m["type"] == "say_end", since=candidate.last_index)
    # the connection drops; the load balancer sends the new one to the other node
    second = "We measured the queue depth and I added a dead letter queue with alerts. " * 3
    async with Candidate(ws_url(cluster.b, interview_id)) as candidate:
        await candidate.send({"type": "start"})
        await candidate.wait_listening(since=0)
        said = candidate.said()
        assert [(m["kind"], m["text"]) for m in said] == [(asked["kind"], asked["text"])]
        before = len(candidate.messages)
        await candidate.send({"type": "text_answer", "text": second})
        await candidate.wait_for(lambda m: m["type"] == "transcript" and m["final"], since=before)
        await candidate.wait_for(lambda m: m["type"] == "say", since=before)
    for node in (cluster.a, cluster.b):  # nothing lost, nothing doubled, seen from either node
        interview = await stored(node, interview_id)
        assert answers(interview) == [first.strip(), second.strip()]
        assert [t["kind"] for t in interview["turns"]].count("greeting") == 1


async def test_an_idempotency_key_used_on_one_node_replays_on_the_other(cluster):
    key = secrets.token_urlsafe(12)
    first = await create(cluster.a, **{"Idempotency-Key": key})
    again = await create(cluster.b, **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    async with httpx.AsyncClient(base_url=cluster.b.url) as http:
        listed = (await http.get("/api/v1/interviews")).json()
    assert sum(i["id"] == first.json()["id"] for i in listed) == 1


async def test_rate_limits_are_shared_by_the_nodes(cluster):
    nodes = [cluster.a, cluster.b, cluster.a, cluster.b]  # two each: under the limit per node
    codes = [(await create(node)).status_code for node in nodes[:INTERVIEWS_PER_HOUR]]
    assert codes == [201] * INTERVIEWS_PER_HOUR
    refused = await create(nodes[INTERVIEWS_PER_HOUR])
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert (await create(cluster.a)).status_code == 429


async def test_opening_an_interview_on_a_second_node_takes_it_over(cluster):
    created = await create(cluster.a)
    interview_id = created.json()["id"]
    async with Candidate(ws_url(cluster.a, interview_id)) as on_a:
        await on_a.send({"type": "start"})
        await on_a.wait_listening(since=0)
        async with Candidate(ws_url(cluster.b, interview_id)) as on_b:  # a second window
            await on_b.send({"type": "start"})
            await on_b.wait_listening(since=0)
            with contextlib.suppress(ConnectionClosed):  # closed once taken over
                await on_a.send({"type": "text_answer", "text": "Typed in the old window. " * 5})
            # As within one process: the older connection is told it goes on elsewhere.
            reaction = await on_a.wait_for(
                lambda m: m["type"] == "error" or (m["type"] == "transcript" and m["final"]),
                since=0,
                timeout=40,
            )
            assert reaction.get("code") == "opened_elsewhere"
            before = len(on_b.messages)
            await on_b.send({"type": "text_answer", "text": "Typed in the new window. " * 5})
            await on_b.wait_for(lambda m: m["type"] == "transcript" and m["final"], since=before)
    interview = await stored(cluster.a, interview_id)
    assert answers(interview) == [("Typed in the new window. " * 5).strip()]
