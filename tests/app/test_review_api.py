"""Review afterwards over HTTP: export downloads, explicit re-scoring, progress, delete, retention.

Stored interviews are seeded the way the live session stores them (score computed when the answer
ends, with its rubric version; Opus audio), from answers spoken by the real voice and transcribed
by the real recognizer, so word timings are Whisper's own."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import func, select, update

from app.candidate import Candidate
from app.db.engine import make_engine, make_sessionmaker
from app.db.models import AnswerAudio, Turn
from app.db.repositories import InterviewRepository, TurnRepository
from app.export import to_markdown
from app.progress import StoredAnswer, StoredInterview, progress_points
from app.retention import purge_expired_audio
from app.runtime import Content, load_content
from app.scoring import score_or_none, words_json
from app.settings import Settings
from audio.codecs import encode_answer_audio, resample

STAR_SPOKEN = (
    "Um, last year our checkout service went down during a big sale. As the on-call engineer "
    "I had to bring it back quickly. I rolled back the latest deploy, and then I added a limit "
    "to the database connection pool. Checkout recovered within twenty minutes, and errors "
    "dropped by ninety percent."
)
FAILURE_SPOKEN = (
    "So, um, I once shipped a migration without a rollback plan, and it locked a big table. "
    "We were down for an hour."
)
PAYMENTS_TYPED = (
    "I would have the client send an idempotency key with each payment request, and store the "
    "key with the result so a retry returns the same payment."
)


@dataclass(frozen=True)
class Answer:
    question_id: str
    text: str
    words: list[dict[str, Any]]
    pcm16: bytes | None  # 16 kHz mono; None for a typed answer


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(Settings())


def speak(speech: Any, content: Content, question_id: str, text: str) -> Answer:
    """The real voice says `text`; the real recognizer hears it with the question as context."""
    synthesizer, recognizer = speech.synthesizer, speech.recognizer
    pcm = synthesizer.synthesize(text)
    audio = resample(
        np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768, synthesizer.sample_rate, 16_000
    )
    question = content.bank.get(question_id)
    heard = recognizer.transcribe(audio, " ".join([question.text, ", ".join(question.key_terms)]))
    pcm16 = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    return Answer(question_id, heard.text.strip(), words_json(heard.words), pcm16)


def typed(question_id: str, text: str) -> Answer:
    return Answer(question_id, text, [], None)


@pytest.fixture(scope="session")
def spoken_star(speech, content) -> Answer:
    return speak(speech, content, "behavioral.incident", STAR_SPOKEN)


@pytest.fixture(scope="session")
def spoken_failure(speech, content) -> Answer:
    return speak(speech, content, "behavioral.failure", FAILURE_SPOKEN)


async def seed_interview(
    database_url: str,
    content: Content,
    answers: Sequence[Answer | str],
    *,
    created_at: datetime | None = None,
    status: str = "finished",
    round: str = "behavioral",
) -> str:
    """Store an interview as the live session would; a plain string in `answers` is a question
    asked and skipped. Scores are computed now, with the rubrics loaded now."""
    started = created_at or datetime.now(UTC)
    question_ids = [a if isinstance(a, str) else a.question_id for a in answers]
    questions = [content.bank.get(q) for q in question_ids]
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine).begin() as db:
            plan = {"questions": [{"id": q.id, "text": q.text, "type": q.type} for q in questions]}
            interview = await InterviewRepository(db).create(
                role="backend-engineer", round=round, plan=plan, owner_id=None
            )
            interview.created_at = started
            interview.status = status
            interview.finished_at = started + timedelta(minutes=9) if status == "finished" else None
            turns = TurnRepository(db)
            clock = started

            async def add(speaker: str, kind: str, text: str, qid: str | None, **kw: Any) -> Turn:
                nonlocal clock
                seconds = kw["words"][-1]["end"] if kw.get("words") else 2.0
                turn = await turns.add(
                    interview_id=interview.id,
                    speaker=speaker,
                    kind=kind,
                    text=text,
                    question_id=qid,
                    started_at=clock,
                    ended_at=clock + timedelta(seconds=seconds),
                    **kw,
                )
                clock += timedelta(seconds=seconds + 1)
                return turn

            await add("interviewer", "greeting", "Hi, and welcome.", None)
            for question, answer in zip(questions, answers, strict=True):
                await add("interviewer", "question", question.text, question.id)
                if isinstance(answer, str):
                    continue
                score = score_or_none(content, question, answer.text, answer.words)
                assert score is not None
                turn = await add(
                    "candidate",
                    "answer",
                    answer.text,
                    question.id,
                    words=answer.words or None,
                    score=score,
                    rubric_id=score["rubric_id"],
                    rubric_version=score["rubric_version"],
                )
                if answer.pcm16:
                    data, mime = encode_answer_audio(answer.pcm16)
                    await turns.add_audio(
                        turn.id, data=data, mime=mime, duration_s=len(answer.pcm16) / 32_000
                    )
                await add("interviewer", "acknowledgement", "Thanks.", question.id)
            await add("interviewer", "closing", "That's all the questions I have.", None)
            return interview.id
    finally:
        await engine.dispose()


@pytest.fixture
async def http(server):
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


async def stored(http: httpx.AsyncClient, interview_id: str) -> dict[str, Any]:
    response = await http.get(f"/api/v1/interviews/{interview_id}")
    assert response.status_code == 200, response.text
    return response.json()


def answers_of(interview: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in interview["turns"] if t["speaker"] == "candidate"]


# ---- export ----------------------------------------------------------------------------------


async def test_export_downloads_markdown_and_json_of_what_is_stored(
    http, database_url, content, spoken_star
):
    interview_id = await seed_interview(
        database_url,
        content,
        [spoken_star, typed("backend.idempotent-payments", PAYMENTS_TYPED)],
        round="mixed",
    )
    interview = await stored(http, interview_id)

    md = await http.get(f"/api/v1/interviews/{interview_id}/export", params={"format": "md"})
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    disposition = md.headers["content-disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.md"')
    assert interview["created_at"][:10] in disposition
    text = md.text
    for question in interview["questions"]:
        assert f"## {question['text']}" in text
    for answer in answers_of(interview):
        assert answer["text"].split(".")[0] in text
        assert f"**Score {answer['score']['overall']}/100**" in text
        assert f"v{answer['score']['rubric_version']}" in text
        for criterion in answer["score"]["criteria"]:
            assert criterion["label"] in text
            for span in criterion["evidence"]:
                assert f"“{span['text']}”" in text
    assert "A stronger version:" in text

    exported = await http.get(f"/api/v1/interviews/{interview_id}/export?format=json")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].endswith('.json"')
    data = json.loads(exported.text)
    assert data["id"] == interview_id and data["export_version"] == 1
    assert [t["text"] for t in data["turns"]] == [t["text"] for t in interview["turns"]]
    by_id = {t["id"]: t for t in data["turns"]}
    for answer in answers_of(interview):
        assert by_id[answer["id"]]["score"] == answer["score"]
        assert by_id[answer["id"]]["words"] == answer["words"]
        assert by_id[answer["id"]]["has_audio"] == (answer["audio_url"] is not None)

    assert (await http.get("/api/v1/interviews/nope/export")).status_code == 404
    bad = await http.get(f"/api/v1/interviews/{interview_id}/export", params={"format": "pdf"})
    assert bad.status_code == 422


def test_markdown_of_a_skipped_question_and_an_unscored_answer():
    data = {
        "role": "backend-engineer",
        "round": "technical",
        "status": "active",
        "created_at": "2026-01-02T10:00:00+00:00",
        "turns": [
            {"speaker": "interviewer", "kind": "question", "text": "First?"},
            {"speaker": "interviewer", "kind": "question", "text": "Second?"},
            {"speaker": "candidate", "text": "", "partial": True, "score": None},
        ],
    }
    text = to_markdown(data)
    assert "## First?\n\n## Second?" in text
    assert "> (no words heard) *(cut short)*" in text
    assert "Not scored." in text and "Overall" not in text


# ---- progress --------------------------------------------------------------------------------


async def test_progress_has_one_point_per_scored_interview_from_stored_scores(
    http, database_url, content, spoken_star, spoken_failure
):
    now = datetime.now(UTC)
    older = await seed_interview(
        database_url, content, [spoken_failure], created_at=now - timedelta(days=400)
    )
    newer = await seed_interview(
        database_url,
        content,
        [spoken_star, typed("backend.idempotent-payments", PAYMENTS_TYPED)],
        created_at=now - timedelta(days=399),
        status="active",
        round="mixed",
    )
    unanswered = await seed_interview(
        database_url, content, ["behavioral.failure"], created_at=now - timedelta(days=398)
    )
    response = await http.get("/api/v1/progress")
    assert response.status_code == 200
    points = response.json()
    ids = [p["interview_id"] for p in points]
    assert unanswered not in ids
    assert ids.index(older) < ids.index(newer), "oldest first"
    dates = [p["date"] for p in points]
    assert dates == sorted(dates)

    for interview_id in (older, newer):
        point = points[ids.index(interview_id)]
        scores = [a["score"] for a in answers_of(await stored(http, interview_id))]
        assert point["answers"] == len(scores)
        assert point["overall"] == pytest.approx(sum(s["overall"] for s in scores) / len(scores))
        stars = [s["star"] for s in scores if s.get("star")]
        assert point["star_answers"] == len(stars)
        for part in ("situation", "task", "action", "result"):
            assert point["star"][part] == pytest.approx(sum(s[part] for s in stars) / len(stars))
        spoken = [s["delivery"] for s in scores if s.get("delivery")]
        minutes = sum(d["duration_seconds"] for d in spoken) / 60
        words = sum(d["word_count"] for d in spoken)
        fillers = sum(d["fillers"]["total"] for d in spoken)
        assert point["words_per_minute"] == pytest.approx(words / minutes, abs=0.051)
        assert point["fillers_per_minute"] == pytest.approx(fillers / minutes, abs=0.0051)
    newer_point = points[ids.index(newer)]
    assert newer_point["status"] == "active" and newer_point["round"] == "mixed"
    # The typed technical answer counts for the overall score but not for STAR or pace.
    assert newer_point["answers"] == 2 and newer_point["star_answers"] == 1


def test_progress_points_pool_speaking_time_and_skip_unscored_interviews():
    day = datetime(2026, 3, 1, tzinfo=UTC)

    def answer(overall: int, seconds: float, words: int, fillers: int, star: Any = None) -> Any:
        delivery = {"duration_seconds": seconds, "word_count": words, "fillers": {"total": fillers}}
        return StoredAnswer({"overall": overall, "delivery": delivery, "star": star})

    star = {"situation": True, "task": False, "action": True, "result": False}
    interviews = [
        StoredInterview(
            "b",
            "r",
            "behavioral",
            "finished",
            day + timedelta(days=1),
            (
                answer(80, 30, 60, 0, star),
                answer(40, 90, 150, 6, {**star, "task": True}),
            ),
        ),
        StoredInterview("a", "r", "technical", "finished", day, (answer(50, 60, 100, 3),)),
        StoredInterview("c", "r", "mixed", "created", day + timedelta(days=2), ()),
        StoredInterview("d", "r", "mixed", "active", day, (StoredAnswer(None),)),
    ]
    points = progress_points(interviews)
    assert [p["interview_id"] for p in points] == ["a", "b"]
    a, b = points
    assert a["star"] == {"situation": None, "task": None, "action": None, "result": None}
    assert a["words_per_minute"] == 100.0 and a["fillers_per_minute"] == 3.0
    assert b["overall"] == 60.0
    assert b["star"] == {"situation": 1.0, "task": 0.5, "action": 1.0, "result": 0.0}
    assert b["words_per_minute"] == pytest.approx(210 / 2)  # 210 words in 2 minutes, pooled
    assert b["fillers_per_minute"] == 3.0


# ---- re-scoring --------------------------------------------------------------------------------


async def test_rescoring_is_explicit_and_keeps_the_score_it_replaces(
    http, database_url, content, spoken_star
):
    interview_id = await seed_interview(
        database_url,
        content,
        [spoken_star, typed("backend.idempotent-payments", PAYMENTS_TYPED)],
        round="mixed",
    )
    before = answers_of(await stored(http, interview_id))
    old_turn = before[0]
    # Pretend the first answer was scored by an older version of its rubric.
    old_score = {**old_turn["score"], "rubric_version": 0, "overall": 12}
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine).begin() as db:
            await db.execute(
                update(Turn)
                .where(Turn.id == old_turn["id"])
                .values(score=old_score, rubric_version=0)
            )
    finally:
        await engine.dispose()

    reading = answers_of(await stored(http, interview_id))
    assert reading[0]["score"]["overall"] == 12, "the review reads what is stored"

    preview = (await http.get(f"/api/v1/interviews/{interview_id}/rescore")).json()
    assert preview["outdated"] == 1
    first = next(a for a in preview["answers"] if a["turn_id"] == old_turn["id"])
    current = content.rubrics["star"].version
    assert first["rubric_version"] == 0 and first["current_rubric_version"] == current
    assert first["outdated"] is True
    assert answers_of(await stored(http, interview_id))[0]["score"]["overall"] == 12

    result = (await http.post(f"/api/v1/interviews/{interview_id}/rescore")).json()
    assert result["rescored"] == 1
    assert result["answers"][0]["previous_overall"] == 12
    assert result["answers"][0]["overall"] == old_turn["score"]["overall"]
    after = answers_of(await stored(http, interview_id))
    rescored = after[0]["score"]
    assert rescored["rubric_version"] == current and rescored["rescored_at"]
    assert rescored["previous"]["rubric_version"] == 0 and rescored["previous"]["overall"] == 12
    assert after[1]["score"] == before[1]["score"], "up-to-date answers are left alone"

    again = (await http.post(f"/api/v1/interviews/{interview_id}/rescore")).json()
    assert again["rescored"] == 0
    everything = (await http.post(f"/api/v1/interviews/{interview_id}/rescore?all=true")).json()
    assert everything["rescored"] == 2
    latest = answers_of(await stored(http, interview_id))[0]["score"]
    assert latest["previous"]["overall"] == rescored["overall"]
    assert "previous" not in latest["previous"], "one level kept, not a growing chain"

    assert (await http.post("/api/v1/interviews/nope/rescore")).status_code == 404


# ---- delete and retention ----------------------------------------------------------------------


async def count_rows(database_url: str, interview_id: str) -> tuple[int, int]:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as db:
            turns = await db.scalar(
                select(func.count()).select_from(Turn).where(Turn.interview_id == interview_id)
            )
            audio = await db.scalar(
                select(func.count())
                .select_from(AnswerAudio)
                .join(Turn, Turn.id == AnswerAudio.turn_id)
                .where(Turn.interview_id == interview_id)
            )
            return int(turns or 0), int(audio or 0)
    finally:
        await engine.dispose()


async def test_delete_removes_transcripts_scores_and_audio(
    http, database_url, content, spoken_failure
):
    interview_id = await seed_interview(database_url, content, [spoken_failure])
    answer = answers_of(await stored(http, interview_id))[0]
    assert (await http.get(answer["audio_url"])).status_code == 200
    turns, audio = await count_rows(database_url, interview_id)
    assert turns > 0 and audio == 1

    assert (await http.delete(f"/api/v1/interviews/{interview_id}")).status_code == 204
    assert (await http.get(f"/api/v1/interviews/{interview_id}")).status_code == 404
    assert (await http.get(answer["audio_url"])).status_code == 404
    assert (await http.get(f"/api/v1/interviews/{interview_id}/export")).status_code == 404
    assert await count_rows(database_url, interview_id) == (0, 0)
    progress = (await http.get("/api/v1/progress")).json()
    assert interview_id not in {p["interview_id"] for p in progress}


async def test_retention_deletes_old_recordings_and_keeps_transcripts(
    http, database_url, content, spoken_failure, spoken_star
):
    old = await seed_interview(database_url, content, [spoken_failure])
    recent = await seed_interview(database_url, content, [spoken_star])
    old_answer = answers_of(await stored(http, old))[0]
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    try:
        async with sessionmaker.begin() as db:
            await db.execute(
                update(AnswerAudio)
                .where(AnswerAudio.turn_id == old_answer["id"])
                .values(created_at=datetime.now(UTC) - timedelta(days=100))
            )
        assert await purge_expired_audio(sessionmaker, days=99) == 1
        assert await purge_expired_audio(sessionmaker, days=99) == 0
        # A `now` in another zone means the same instant.
        later = (datetime.now(UTC) + timedelta(days=30)).astimezone(timezone(timedelta(hours=9)))
        assert await purge_expired_audio(sessionmaker, days=31, now=later) == 0
        with pytest.raises(ValueError):
            await purge_expired_audio(sessionmaker, days=0)
    finally:
        await engine.dispose()

    purged = answers_of(await stored(http, old))[0]
    assert purged["audio_url"] is None
    assert purged["text"] == old_answer["text"] and purged["words"] == old_answer["words"]
    assert purged["score"] == old_answer["score"]
    assert (await http.get(old_answer["audio_url"])).status_code == 404
    kept = answers_of(await stored(http, recent))[0]
    assert kept["audio_url"] and (await http.get(kept["audio_url"])).status_code == 200


# ---- the live path stores what the review reads ---------------------------------------------


@pytest.mark.slow
async def test_an_answer_given_live_is_reviewed_and_exported_as_scored(http, server, content):
    created = await http.post(
        "/api/v1/interviews",
        json={"role": "backend-engineer", "question_ids": ["backend.idempotent-payments"]},
    )
    interview_id = created.json()["id"]
    ws = f"{server.ws_url}/api/v1/interviews/{interview_id}/ws"
    async with Candidate(ws) as candidate:
        await candidate.send({"type": "start", "sample_rate": 16000})
        await candidate.wait_listening(since=0)
        await candidate.send({"type": "text_answer", "text": PAYMENTS_TYPED})
        await candidate.wait_for(lambda m: m["type"] == "transcript" and m["final"], since=0)
    answer = answers_of(await stored(http, interview_id))[0]
    rubric = content.rubrics[content.bank.get("backend.idempotent-payments").rubric]
    assert answer["score"]["rubric_id"] == rubric.id
    assert answer["score"]["rubric_version"] == rubric.version
    preview = (await http.get(f"/api/v1/interviews/{interview_id}/rescore")).json()
    assert preview["outdated"] == 0
    data = (await http.get(f"/api/v1/interviews/{interview_id}/export?format=json")).json()
    exported = next(t for t in data["turns"] if t["speaker"] == "candidate")
    assert exported["rubric_version"] == rubric.version
    assert exported["score"] == answer["score"]
    progress = (await http.get("/api/v1/progress")).json()
    point = next(p for p in progress if p["interview_id"] == interview_id)
    assert point["overall"] == answer["score"]["overall"]


async def test_review_pages_render_with_their_controls(http):
    for path in ("/history", "/progress", "/interviews/some-id"):
        page = await http.get(path)
        assert page.status_code == 200, path
        for href in ('href="/"', 'href="/practice"', 'href="/history"', 'href="/progress"'):
            assert href in page.text, (path, href)
        assert "style=" not in page.text and "onclick" not in page.text
    review = (await http.get("/interviews/some-id")).text
    for test_id in ("export-md", "export-json", "delete-interview", "overall-score"):
        assert f'data-testid="{test_id}"' in review
    assert 'href="/api/v1/interviews/some-id/export?format=md"' in review
    assert 'aria-current="page"' in (await http.get("/progress")).text
    for script in ("review.js", "review-model.js", "history.js", "progress.js", "chart.js"):
        assert (await http.get(f"/static/js/{script}")).status_code == 200
