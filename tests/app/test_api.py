"""The HTTP API and pages, against a real server on each database."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture
async def http(server):
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


async def test_roles_and_questions_come_from_the_banks(http):
    roles = (await http.get("/api/v1/roles")).json()
    ids = {r["id"] for r in roles}
    assert "backend-engineer" in ids
    backend = next(r for r in roles if r["id"] == "backend-engineer")
    assert backend["title"] and backend["question_count"] >= 38
    questions = (await http.get("/api/v1/questions", params={"role": "backend-engineer"})).json()
    assert "backend.rate-limiter" in {q["id"] for q in questions}
    assert (await http.get("/api/v1/questions", params={"role": "astronaut"})).status_code == 404


async def test_create_read_list_delete(http):
    created = await http.post(
        "/api/v1/interviews", json={"role": "backend-engineer", "round": "mixed", "questions": 3}
    )
    assert created.status_code == 201
    body = created.json()
    assert len(body["id"]) >= 20  # unguessable, not sequential
    assert body["ws_url"].endswith(f"/api/v1/interviews/{body['id']}/ws")
    assert len(body["questions"]) == 3
    assert len({q["id"] for q in body["questions"]}) == 3

    interview = (await http.get(f"/api/v1/interviews/{body['id']}")).json()
    assert interview["status"] == "created" and interview["turns"] == []
    assert [q["id"] for q in interview["questions"]] == [q["id"] for q in body["questions"]]
    listed = (await http.get("/api/v1/interviews")).json()
    assert body["id"] in {i["id"] for i in listed}

    assert (await http.delete(f"/api/v1/interviews/{body['id']}")).status_code == 204
    assert (await http.get(f"/api/v1/interviews/{body['id']}")).status_code == 404
    assert (await http.delete(f"/api/v1/interviews/{body['id']}")).status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        {"role": "astronaut"},
        {"role": "backend-engineer", "round": "lunch"},
        {"role": "backend-engineer", "questions": 0},
        {"role": "backend-engineer", "question_ids": ["backend.nope"]},
        {"role": "backend-engineer", "question_ids": ["backend.indexing", "backend.indexing"]},
    ],
)
async def test_invalid_interviews_are_refused_with_a_reason(http, payload):
    response = await http.post("/api/v1/interviews", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"]


async def test_unknown_ids_answer_404(http):
    assert (await http.get("/api/v1/interviews/nope")).status_code == 404
    audio = await http.get("/api/v1/interviews/nope/turns/nope/audio")
    assert audio.status_code == 404


async def test_pages_render_with_security_headers(http):
    for path in ("/", "/history", "/interviews/some-id"):
        page = await http.get(path)
        assert page.status_code == 200, path
        assert "<script" in page.text and "onclick" not in page.text
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
    index = (await http.get("/")).text
    for test_id in ("start-interview", "done-answering", "question-text", "live-transcript"):
        assert f'data-testid="{test_id}"' in index
    assert (await http.get("/static/js/interview.js")).status_code == 200


async def test_health_and_readiness(http):
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = (await http.get("/readyz")).json()
    assert ready == {"ready": True, "checks": {"models": True, "database": True}}
