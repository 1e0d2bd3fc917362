"""What a live interview writes, as plain records, and the one function that applies them.

A record is a dict: JSON but for a recording's bytes. The same record is applied live, held in
memory through a database outage, written to a file when the process stops during one, and
applied from that file later (`viva import-unsaved`, and at startup). Applying is idempotent:
every turn's id is chosen when its record is made, and a turn already stored is left as it is,
so a write retried after a commit that did land, or a file imported twice, adds nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AnswerAudio, Interview, Turn, new_id, utcnow
from app.db.repositories import InterviewRepository, TurnRepository

Record = dict[str, Any]


class InterviewGone(LookupError):
    """The interview a record belongs to is not in the database (deleted since)."""


def prompt_record(
    interview_id: str,
    *,
    kind: str,
    text: str,
    question_id: str | None,
    position: dict[str, Any] | None,
) -> Record:
    return {
        "write": "prompt",
        "interview_id": interview_id,
        "turn_id": new_id(),
        "kind": kind,
        "text": text,
        "question_id": question_id,
        "said_at": utcnow().isoformat(),
        "position": position,  # where the interview resumes once this prompt is stored
    }


def answer_record(
    interview_id: str,
    *,
    kind: str,
    text: str,
    question_id: str | None,
    started_at: datetime | None,
    words: list[dict[str, Any]] | None,
    partial: bool,
    score: dict[str, Any] | None,
    ack: tuple[str, str] | None,  # (kind, text) of the acknowledgement said after it
) -> Record:
    now = utcnow().isoformat()
    # JSON now, not when dumped: the record may go to a file long after it was made.
    words, score = json.loads(json.dumps([words or None, score], default=str))
    return {
        "write": "answer",
        "interview_id": interview_id,
        "turn_id": new_id(),
        "kind": kind,
        "text": text,
        "question_id": question_id,
        "started_at": (started_at or utcnow()).isoformat(),
        "ended_at": now,
        "words": words,
        "partial": partial,
        "score": score,
        "ack": (
            {"turn_id": new_id(), "kind": ack[0], "text": ack[1], "said_at": now} if ack else None
        ),
    }


def audio_record(
    interview_id: str, turn_id: str, *, data: bytes, mime: str, duration_s: float
) -> Record:
    return {
        "write": "audio",
        "interview_id": interview_id,
        "turn_id": turn_id,
        "mime": mime,
        "duration_s": duration_s,
        "data": data,  # the one value that is not JSON: a file of its own when dumped
    }


def status_record(interview_id: str, status: str, *, only_from: str | None = None) -> Record:
    return {
        "write": "status",
        "interview_id": interview_id,
        "status": status,
        "only_from": only_from,
    }


async def apply_write(db: AsyncSession, record: Record) -> None:
    """Apply one record inside the caller's transaction."""
    interview = await db.get(Interview, record["interview_id"])
    if interview is None:
        raise InterviewGone(record["interview_id"])
    turns = TurnRepository(db)
    match record["write"]:
        case "prompt":
            if await _has_turn(db, record["turn_id"]):
                return
            said_at = datetime.fromisoformat(record["said_at"])
            await turns.add(
                interview_id=interview.id,
                turn_id=record["turn_id"],
                speaker="interviewer",
                kind=record["kind"],
                text=record["text"],
                question_id=record["question_id"],
                started_at=said_at,
                ended_at=said_at,
            )
            if record["position"] is not None:
                interview.plan = {**interview.plan, "position": record["position"]}
        case "answer":
            if await _has_turn(db, record["turn_id"]):
                return
            score = record["score"]
            await turns.add(
                interview_id=interview.id,
                turn_id=record["turn_id"],
                speaker="candidate",
                kind=record["kind"],
                text=record["text"],
                question_id=record["question_id"],
                started_at=datetime.fromisoformat(record["started_at"]),
                ended_at=datetime.fromisoformat(record["ended_at"]),
                words=record["words"],
                partial=record["partial"],
                score=score,
                rubric_id=score.get("rubric_id") if score else None,
                rubric_version=score.get("rubric_version") if score else None,
            )
            if (ack := record["ack"]) is not None:
                await turns.add(
                    interview_id=interview.id,
                    turn_id=ack["turn_id"],
                    speaker="interviewer",
                    kind=ack["kind"],
                    text=ack["text"],
                    question_id=record["question_id"],
                    started_at=datetime.fromisoformat(ack["said_at"]),
                )
        case "audio":
            if await db.get(AnswerAudio, record["turn_id"]) is not None:
                return
            await turns.add_audio(
                record["turn_id"],
                data=record["data"],
                mime=record["mime"],
                duration_s=record["duration_s"],
            )
        case "status":
            only_from = record["only_from"]
            if only_from is None or interview.status == only_from:
                await InterviewRepository(db).set_status(interview, record["status"])
        case other:
            raise ValueError(f"unknown write {other!r}")


async def _has_turn(db: AsyncSession, turn_id: str) -> bool:
    return (await db.execute(select(Turn.id).where(Turn.id == turn_id))).first() is not None
