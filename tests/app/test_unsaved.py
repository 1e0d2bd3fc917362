"""Writes dumped by a server that stopped during a database outage are stored later, once each,
on a real database through the real migrations; `viva import-unsaved` as a user runs it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.db.engine import make_engine, make_sessionmaker
from app.db.migrate import upgrade
from app.db.repositories import InterviewRepository, TurnRepository
from app.live.storage import InterviewStore
from app.live.unsaved import import_unsaved
from app.live.writes import answer_record, audio_record, prompt_record, status_record
from tests.app.test_storage import FlakyDatabase

SCORE = {"rubric_id": "behavioral.star", "rubric_version": 2, "overall": 75, "criteria": []}
WORDS = [{"text": "I", "start": 0.0, "end": 0.2}, {"text": "led", "start": 0.2, "end": 0.5}]


@pytest.fixture
async def sessionmaker(database_url):
    await asyncio.to_thread(upgrade, database_url)
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def new_interview(sessionmaker: async_sessionmaker) -> str:
    async with sessionmaker.begin() as db:
        interview = await InterviewRepository(db).create(
            role="backend-engineer", round="behavioral", plan={"questions": []}, owner_id=None
        )
        await TurnRepository(db).add(
            interview_id=interview.id,
            speaker="interviewer",
            kind="greeting",
            text="Hello.",
            question_id=None,
        )
        return interview.id


async def dump_during_outage(interview_id: str, folder: Path) -> Path:
    """What a server holds for this interview when it stops with the database away."""
    store = InterviewStore(FlakyDatabase(), interview_id)  # type: ignore[arg-type]
    store.hold(
        [
            prompt_record(
                interview_id,
                kind="question",
                text="Tell me about a time you led a migration.",
                question_id="behavioral.led-migration",
                position={"index": 1, "followups": 0},
            ),
            answer := answer_record(
                interview_id,
                kind="answer",
                text="I led the billing migration.",
                question_id="behavioral.led-migration",
                started_at=None,
                words=WORDS,
                partial=False,
                score=SCORE,
                ack=("acknowledgement", "Thanks."),
            ),
            audio_record(
                interview_id,
                answer["turn_id"],
                data=b"OggS\x00\x01",
                mime="audio/ogg",
                duration_s=1.5,
            ),
            status_record(interview_id, "active", only_from="created"),
        ]
    )
    path = store.dump(folder)
    assert path is not None
    return path


async def stored_turns(sessionmaker: async_sessionmaker, interview_id: str):
    async with sessionmaker() as db:
        return await InterviewRepository(db).get_with_turns(interview_id, owner_id=None)


async def test_dumped_writes_are_stored_in_order_once_and_the_file_set_aside(
    sessionmaker, tmp_path
):
    interview_id = await new_interview(sessionmaker)
    dumped = await dump_during_outage(interview_id, tmp_path)

    report = await import_unsaved(sessionmaker, tmp_path)

    assert report.imported == [dumped.name] and report.writes == 4 and report.dropped == 0
    interview = await stored_turns(sessionmaker, interview_id)
    assert interview is not None
    assert [(t.speaker, t.kind) for t in interview.turns] == [
        ("interviewer", "greeting"),
        ("interviewer", "question"),
        ("candidate", "answer"),
        ("interviewer", "acknowledgement"),
    ]
    answer = interview.turns[2]
    assert answer.text == "I led the billing migration." and answer.words == WORDS
    assert answer.score == SCORE and (answer.rubric_id, answer.rubric_version) == (
        "behavioral.star",
        2,
    )
    assert answer.audio is not None and answer.audio.data == b"OggS\x00\x01"
    assert interview.plan["position"] == {"index": 1, "followups": 0}  # resumes after it
    assert interview.status == "active"
    assert not list(tmp_path.glob("*.json")) and not list(tmp_path.glob("*.audio"))
    set_aside = sorted(p.name for p in (tmp_path / "imported").iterdir())
    assert len(set_aside) == 2 and dumped.name in set_aside

    # The same file again (copied back by hand, or a crash before it was set aside): no doubles.
    for part in (tmp_path / "imported").iterdir():
        shutil.copy(part, tmp_path / part.name)
    again = await import_unsaved(sessionmaker, tmp_path)
    assert again.imported == [dumped.name] and again.dropped == 0
    interview = await stored_turns(sessionmaker, interview_id)
    assert interview is not None and len(interview.turns) == 4


async def test_a_deleted_interview_is_dropped_and_a_stranger_file_left(sessionmaker, tmp_path):
    interview_id = await new_interview(sessionmaker)
    dumped = await dump_during_outage(interview_id, tmp_path)
    async with sessionmaker.begin() as db:
        repo = InterviewRepository(db)
        interview = await repo.get(interview_id, owner_id=None)
        assert interview is not None
        await repo.delete(interview)
    (tmp_path / "notes.json").write_text('{"hello": "world"}')

    report = await import_unsaved(sessionmaker, tmp_path)

    assert report.imported == [dumped.name] and report.writes == 0 and report.dropped == 4
    assert report.unreadable == ["notes.json"] and (tmp_path / "notes.json").exists()


async def test_files_wait_while_the_database_is_still_away(tmp_path):
    await dump_during_outage("i1", tmp_path)
    await dump_during_outage("i2", tmp_path)
    down = FlakyDatabase()
    down.down = True

    report = await import_unsaved(down, tmp_path, timeout=1)  # type: ignore[arg-type]

    assert report.imported == [] and len(report.waiting) == 2
    assert len(list(tmp_path.glob("*.json"))) == 2


async def test_viva_import_unsaved_stores_the_files_of_its_data_dir(tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'viva.db'}"
    await asyncio.to_thread(upgrade, database_url)
    engine = make_engine(database_url)
    try:
        sessionmaker = make_sessionmaker(engine)
        interview_id = await new_interview(sessionmaker)
        await dump_during_outage(interview_id, tmp_path / "unsaved")
    finally:
        await engine.dispose()
    env = {**os.environ, "VIVA_DATA_DIR": str(tmp_path), "VIVA_DATABASE_URL": database_url}

    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app.cli", "import-unsaved"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )

    assert result.returncode == 0, result.stderr
    assert "1 file(s) imported" in result.stdout and "4 write(s) stored" in result.stdout
    engine = make_engine(database_url)
    try:
        interview = await stored_turns(make_sessionmaker(engine), interview_id)
    finally:
        await engine.dispose()
    assert interview is not None
    kinds = [t.kind for t in interview.turns]
    assert kinds == ["greeting", "question", "answer", "acknowledgement"]
    assert json.loads(next((tmp_path / "unsaved" / "imported").glob("*.json")).read_text())
