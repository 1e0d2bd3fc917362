"""Plans, tailoring, drills, weak spots and 7-day practice plans, against a real server on each
database. Interviews are answered over the real WebSocket with typed answers."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect

from app.candidate import Candidate
from app.db.engine import make_engine
from app.db.migrate import downgrade, upgrade
from interviewer.drills import PLAN_DAYS, WEAK_SPOTS_FOCUS
from interviewer.plan import FOLLOWUP_MINUTES, MINUTES_PER_QUESTION
from tests.support import fresh_postgres_database, postgres_reachable

POSTING = """\
Senior Backend Engineer at Acme

Acme builds payment infrastructure for online marketplaces.
You will build event pipelines on Kafka and keep our Postgres databases healthy.
"""
WEAK_RATE_LIMITER = "I would use a token bucket in Redis."
STRONG_IDEMPOTENT_PAYMENTS = (
    "I would require a client-generated idempotency key, persist the first successful result "
    "behind that key, and make every retry resolve to the same stored outcome. Then I would "
    "define how long the key lives, what happens on partial failure, and which fields must "
    "remain identical across retries."
)
PLAIN_ANSWER = (
    "I would start by clarifying the requirements and the constraints, then walk through the "
    "trade-offs of two options, pick one, and explain how I would measure whether it worked."
)
LISTENING = {"type": "state", "state": "listening"}


@pytest.fixture
async def http(server):
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        yield client


async def preview(http: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await http.post("/api/v1/plans/preview", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def create(http: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await http.post("/api/v1/interviews", json=body)
    assert response.status_code == 201, response.text
    return (await http.get(f"/api/v1/interviews/{response.json()['id']}")).json()


async def run_interview(
    server: Any, interview_id: str, answer_for: Callable[[dict[str, Any]], str | None]
) -> list[dict[str, Any]]:
    """Answer each question with `answer_for(say)` (None skips it) and skip every follow-up;
    returns the questions as they were said."""
    url = f"{server.ws_url}/api/v1/interviews/{interview_id}/ws"
    async with Candidate(url) as candidate:
        await candidate.send({"type": "start"})
        since = 0
        while True:
            message = await candidate.wait_for(
                lambda m: m == LISTENING or m["type"] == "finished", timeout=120, since=since
            )
            since = candidate.last_index + 1
            if message["type"] == "finished":
                return candidate.said("question")
            prompt = [
                m
                for m in candidate.messages[:since]
                if m["type"] == "say" and m["kind"] in ("question", "followup")
            ][-1]
            text = answer_for(prompt) if prompt["kind"] == "question" else None
            if text:
                await candidate.send({"type": "text_answer", "text": text})
            else:
                await candidate.send({"type": "skip"})


# -- plans and tailoring -------------------------------------------------------------------


async def test_preview_asks_about_the_postings_skills_first_and_says_why(http):
    plan = await preview(
        http, role="backend-engineer", round="technical", questions=4, posting=POSTING, seed=7
    )
    assert plan["profile"]["role_title"] == "Senior Backend Engineer"
    assert plan["profile"]["company"] == "Acme"
    terms = [t["term"] for t in plan["profile"]["terms"]]
    assert "Kafka" in terms and "Postgres" in terms
    assert len(plan["questions"]) == 4
    for question in plan["questions"]:
        assert question["type"] in ("technical", "system_design")
        reason = question["reason"]
        assert "in the posting" in reason, question
        assert any(term in reason for term in ("Kafka", "Postgres", "payments")), question

    untailored = await preview(http, role="backend-engineer", round="technical", questions=4)
    assert untailored["profile"] is None
    assert not any("posting" in q["reason"] for q in untailored["questions"])


async def test_why_this_role_names_the_role_and_company_from_the_posting(http):
    plan = await preview(
        http, role="backend-engineer", round="mixed", questions=4, posting=POSTING, seed=1
    )
    why = next(q for q in plan["questions"] if q["id"] == "behavioral.why-this-role")
    assert why["text"] == "Why are you interested in the Senior Backend Engineer role at Acme?"
    assert "from the posting" in why["reason"]


async def test_the_same_seed_previews_the_same_plan(http):
    options = {"role": "frontend-engineer", "round": "mixed", "questions": 5}
    first = await preview(http, **options, seed=11)
    again = await preview(http, **options, seed=11)
    assert [q["id"] for q in first["questions"]] == [q["id"] for q in again["questions"]]
    assert first["seed"] == 11
    seeds = {tuple(q["id"] for q in (await preview(http, **options))["questions"]) for _ in "abcd"}
    assert len(seeds) > 1, "without a seed each preview is a fresh draw"


async def test_created_interview_keeps_the_previewed_questions_and_wording(http):
    options = {"role": "backend-engineer", "round": "mixed", "questions": 5, "posting": POSTING}
    plan = await preview(http, **options, seed=3)
    ids = [q["id"] for q in plan["questions"]]
    interview = await create(http, **options, question_ids=ids)
    assert [q["id"] for q in interview["questions"]] == ids
    assert [q["text"] for q in interview["questions"]] == [q["text"] for q in plan["questions"]]
    assert interview["round"] == "mixed"

    # without previewed ids the server plans with the posting itself
    planned = await create(http, **options)
    texts = {q["id"]: q["text"] for q in planned["questions"]}
    assert "Acme" in texts["behavioral.why-this-role"]


@pytest.mark.parametrize(
    ("round", "minutes", "timed", "answer_seconds"),
    [("behavioral", 13, False, 120), ("behavioral", 30, True, 300), ("technical", 25, False, 120)],
)
async def test_a_length_in_minutes_becomes_as_many_questions_as_fit(
    http, round, minutes, timed, answer_seconds
):
    options = {
        "role": "backend-engineer",
        "round": round,
        "minutes": minutes,
        "timed": timed,
        "answer_seconds": answer_seconds,
    }
    plan = await preview(http, **options, seed=5)
    assert plan["estimated_minutes"] <= minutes
    if round == "behavioral":  # one question type: the count follows from the documented estimate
        each = MINUTES_PER_QUESTION["behavioral"]
        if timed:
            each = max(each, answer_seconds / 60 + FOLLOWUP_MINUTES)
        assert len(plan["questions"]) == math.floor(minutes / each)
    interview = await create(http, **options)
    asked = [q["type"] for q in interview["questions"]]
    spent = sum(
        max(MINUTES_PER_QUESTION[kind], answer_seconds / 60 + FOLLOWUP_MINUTES)
        if timed
        else MINUTES_PER_QUESTION[kind]
        for kind in asked
    )
    assert asked and spent <= minutes
    if round == "behavioral":
        assert len(asked) == len(plan["questions"])


@pytest.mark.parametrize(
    "payload",
    [
        {"role": "astronaut"},
        {"role": "general", "round": "technical"},
        {"role": "backend-engineer", "minutes": 0},
        {"role": "backend-engineer", "question_ids": ["backend.rate-limiter"], "repeat": 6},
        {"role": "backend-engineer", "posting": "x" * 20_001},
    ],
)
async def test_plans_that_cannot_be_made_are_refused_with_a_reason(http, payload):
    for path in ("/api/v1/plans/preview", "/api/v1/interviews"):
        response = await http.post(path, json=payload)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["detail"]


# -- drills --------------------------------------------------------------------------------


async def test_a_drill_repeats_one_question(http):
    interview = await create(
        http, role="backend-engineer", question_ids=["backend.rate-limiter"], repeat=3
    )
    assert [q["id"] for q in interview["questions"]] == ["backend.rate-limiter"] * 3
    assert interview["round"] == "technical"
    plan = await preview(http, role="backend-engineer", question_ids=["behavioral.failure"])
    assert plan["round"] == "behavioral" and plan["kind"] == "interview"
    too_many = [q["id"] for q in (await http.get("/api/v1/questions")).json()[:5]]
    body = {"role": "backend-engineer", "question_ids": too_many, "repeat": 5}
    response = await http.post("/api/v1/interviews", json=body)
    assert response.status_code == 422 and "at most 20" in response.json()["detail"]


@pytest.mark.slow
async def test_a_drill_asks_the_same_question_again_and_again(http, server):
    interview = await create(
        http, role="backend-engineer", question_ids=["backend.rate-limiter"], repeat=3
    )
    asked = await run_interview(server, interview["id"], lambda _: None)
    assert [m["question_id"] for m in asked] == ["backend.rate-limiter"] * 3
    assert [m["question_number"] for m in asked] == [1, 2, 3]
    assert {m["question_count"] for m in asked} == {3}


@pytest.mark.slow
async def test_a_tailored_interview_asks_the_previewed_questions(http, server):
    options = {"role": "backend-engineer", "round": "mixed", "questions": 3, "posting": POSTING}
    plan = await preview(http, **options, seed=2)
    interview = await create(http, **options, question_ids=[q["id"] for q in plan["questions"]])
    asked = await run_interview(server, interview["id"], lambda _: None)
    assert [m["text"] for m in asked] == [q["text"] for q in plan["questions"]]
    assert any("Acme" in m["text"] for m in asked)


# -- weak spots and the 7-day plan ---------------------------------------------------------


@pytest.mark.slow
async def test_weak_spots_come_from_the_criteria_missed_and_open_the_week(http, server):
    answers = {
        "backend.rate-limiter": WEAK_RATE_LIMITER,
        "backend.idempotent-payments": STRONG_IDEMPOTENT_PAYMENTS,
    }
    interview = await create(http, role="backend-engineer", question_ids=list(answers))
    await run_interview(server, interview["id"], lambda say: answers[say["question_id"]])
    stored = (await http.get(f"/api/v1/interviews/{interview['id']}")).json()
    answered = [t for t in stored["turns"] if t["kind"] == "answer" and t["score"]]
    scored = {t["question_id"]: t["score"] for t in answered}
    assert set(scored) == set(answers)
    missed_labels = {c["label"] for c in scored["backend.rate-limiter"]["criteria"] if not c["met"]}

    spots = (await http.get("/api/v1/weak-spots", params={"role": "backend-engineer"})).json()
    ids = [spot["id"] for spot in spots]
    assert "backend.rate-limiter" in ids
    if "backend.idempotent-payments" in ids:
        assert ids.index("backend.rate-limiter") < ids.index("backend.idempotent-payments")
    spot = spots[ids.index("backend.rate-limiter")]
    assert spot["missed_share"] > 0.5 and spot["answers"] >= 1
    assert {c["label"] for c in spot["missed_criteria"]} == missed_labels
    others = (await http.get("/api/v1/weak-spots", params={"role": "frontend-engineer"})).json()
    assert "backend.rate-limiter" not in {s["id"] for s in others}
    assert (await http.get("/api/v1/weak-spots", params={"role": "astronaut"})).status_code == 404

    created = await http.post("/api/v1/practice-plans", json={"role": "backend-engineer"})
    assert created.status_code == 201
    first_day = created.json()["days"][0]
    assert first_day["focus"] == WEAK_SPOTS_FOCUS
    assert [d["id"] for d in first_day["drills"]] == ids[:3]
    assert not any(d["practiced"] for d in first_day["drills"]), "answered before the plan began"


async def test_practice_plan_create_get_and_tick_off_days(http):
    created = await http.post("/api/v1/practice-plans", json={"role": "data-engineer"})
    assert created.status_code == 201
    plan = created.json()
    assert plan["role"] == "data-engineer" and plan["role_title"] == "Data Engineer"
    assert [d["day"] for d in plan["days"]] == list(range(1, PLAN_DAYS + 1))
    assert all(day["drills"] and day["focus"] for day in plan["days"])
    assert plan["days"][-1]["timed"] and not any(d["timed"] for d in plan["days"][:-1])
    assert plan["days_done"] == 0 and not any(d["done"] for d in plan["days"])

    current = (await http.get("/api/v1/practice-plans/current")).json()
    assert current["id"] == plan["id"]
    assert current["days"] == plan["days"]

    ticked = await http.post(f"/api/v1/practice-plans/{plan['id']}/days/3/done")
    assert ticked.status_code == 200
    days = ticked.json()["days"]
    assert days[2]["done"] and days[2]["marked_done_at"]
    assert ticked.json()["days_done"] == 1
    again = (await http.get(f"/api/v1/practice-plans/{plan['id']}")).json()
    assert again["days"][2]["done"], "the tick is stored"
    unticked = await http.delete(f"/api/v1/practice-plans/{plan['id']}/days/3/done")
    assert not unticked.json()["days"][2]["done"] and unticked.json()["days_done"] == 0

    assert (await http.post(f"/api/v1/practice-plans/{plan['id']}/days/8/done")).status_code == 404
    assert (await http.post("/api/v1/practice-plans/nope/days/1/done")).status_code == 404
    assert (await http.get("/api/v1/practice-plans/nope")).status_code == 404
    refused = await http.post("/api/v1/practice-plans", json={"role": "astronaut"})
    assert refused.status_code == 422

    newer = (await http.post("/api/v1/practice-plans", json={"role": "backend-engineer"})).json()
    assert (await http.get("/api/v1/practice-plans/current")).json()["id"] == newer["id"]


@pytest.mark.slow
async def test_a_day_is_done_once_its_drills_are_answered(http, server):
    plan = (await http.post("/api/v1/practice-plans", json={"role": "backend-engineer"})).json()
    day = plan["days"][1]
    drill_ids = [d["id"] for d in day["drills"]]
    interview = await create(http, role="backend-engineer", question_ids=drill_ids)
    await run_interview(server, interview["id"], lambda _: PLAIN_ANSWER)
    current = (await http.get("/api/v1/practice-plans/current")).json()
    assert current["id"] == plan["id"]
    done_day = current["days"][1]
    assert all(d["practiced"] for d in done_day["drills"])
    assert done_day["done"] and done_day["marked_done_at"] is None
    assert current["days_done"] >= 1


# -- storage -------------------------------------------------------------------------------


def _tables(url: str) -> set[str]:
    import asyncio

    async def read() -> set[str]:
        engine = make_engine(url)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(read())


def test_practice_tables_migrate_up_and_down(tmp_path):
    urls = [f"sqlite+aiosqlite:///{tmp_path / 'practice.db'}"]
    if postgres_reachable():
        urls.append(fresh_postgres_database("viva_test_practice_migrations"))
    for url in urls:
        upgrade(url)
        assert {"practice_plans", "practice_days"} <= _tables(url)
        downgrade(url, "0001")
        remaining = _tables(url)
        assert not remaining & {"practice_plans", "practice_days"}
        assert "interviews" in remaining
        upgrade(url)
        assert "practice_days" in _tables(url)
