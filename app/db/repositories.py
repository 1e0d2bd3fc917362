"""SQL lives here. Repositories take a session; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db.models import AnswerAudio, Interview, Turn, new_id, utcnow


class InterviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self, *, role: str, round: str, plan: dict[str, Any], owner_id: str | None
    ) -> Interview:
        interview = Interview(role=role, round=round, plan=plan, owner_id=owner_id)
        self.session.add(interview)
        await self.session.flush()
        return interview

    async def get(self, interview_id: str, *, owner_id: str | None) -> Interview | None:
        stmt = select(Interview).where(Interview.id == interview_id, _owned_by(owner_id))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_with_turns(self, interview_id: str, *, owner_id: str | None) -> Interview | None:
        stmt = (
            select(Interview)
            .where(Interview.id == interview_id, _owned_by(owner_id))
            .options(selectinload(Interview.turns).selectinload(Turn.audio))
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(self, *, owner_id: str | None, limit: int = 200) -> Sequence[Interview]:
        stmt = (
            select(Interview)
            .where(_owned_by(owner_id))
            .order_by(Interview.created_at.desc())
            .limit(limit)
            .options(selectinload(Interview.turns))
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def set_status(self, interview: Interview, status: str) -> None:
        interview.status = status
        interview.updated_at = utcnow()
        if status == "finished":
            interview.finished_at = utcnow()
        await self.session.flush()

    async def delete(self, interview: Interview) -> None:
        await self.session.delete(interview)
        await self.session.flush()


class TurnRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_seq(self, interview_id: str) -> int:
        stmt = select(func.coalesce(func.max(Turn.seq), 0)).where(Turn.interview_id == interview_id)
        return int((await self.session.execute(stmt)).scalar_one()) + 1

    async def add(
        self,
        *,
        interview_id: str,
        speaker: str,
        kind: str,
        text: str,
        question_id: str | None,
        started_at: datetime | None = None,
        ended_at: datetime | None = None,
        words: list[dict[str, Any]] | None = None,
        partial: bool = False,
        score: dict[str, Any] | None = None,
        rubric_id: str | None = None,
        rubric_version: int | None = None,
        turn_id: str | None = None,  # chosen ahead when later writes must refer to it
    ) -> Turn:
        turn = Turn(
            id=turn_id or new_id(),
            interview_id=interview_id,
            seq=await self.next_seq(interview_id),
            speaker=speaker,
            kind=kind,
            text=text,
            question_id=question_id,
            started_at=started_at or utcnow(),
            ended_at=ended_at,
            words=words,
            partial=partial,
            score=score,
            rubric_id=rubric_id,
            rubric_version=rubric_version,
        )
        self.session.add(turn)
        await self.session.flush()
        return turn

    async def list_for(self, interview_id: str) -> Sequence[Turn]:
        stmt = select(Turn).where(Turn.interview_id == interview_id).order_by(Turn.seq)
        return (await self.session.execute(stmt)).scalars().all()

    async def add_audio(self, turn_id: str, *, data: bytes, mime: str, duration_s: float) -> None:
        self.session.add(AnswerAudio(turn_id=turn_id, data=data, mime=mime, duration_s=duration_s))
        await self.session.flush()

    async def scored_answers(self, *, owner_id: str | None) -> list[tuple[str, dict[str, Any]]]:
        """(question id, score) of every complete scored answer, newest first.

        Follow-up answers are left out: they are scored against the whole rubric but answer
        one gap of it."""
        stmt = (
            select(Turn.question_id, Turn.score)
            .join(Interview, Interview.id == Turn.interview_id)
            .where(
                _owned_by(owner_id),
                Turn.speaker == "candidate",
                Turn.kind == "answer",
                Turn.partial.is_(False),
                Turn.question_id.is_not(None),
            )
            .order_by(Turn.started_at.desc(), Turn.seq.desc())
        )
        rows = (await self.session.execute(stmt)).all()
        return [(qid, score) for qid, score in rows if qid and isinstance(score, dict)]

    async def answered_since(self, *, owner_id: str | None, since: datetime) -> set[str]:
        """Ids of the questions answered (in full) from `since` on."""
        stmt = (
            select(Turn.question_id)
            .join(Interview, Interview.id == Turn.interview_id)
            .where(
                _owned_by(owner_id),
                Turn.speaker == "candidate",
                Turn.kind == "answer",
                Turn.partial.is_(False),
                Turn.question_id.is_not(None),
                Turn.started_at >= since,
            )
            .distinct()
        )
        return {qid for qid in (await self.session.execute(stmt)).scalars() if qid}

    async def get_audio(self, interview_id: str, turn_id: str) -> AnswerAudio | None:
        stmt = (
            select(AnswerAudio)
            .join(Turn, Turn.id == AnswerAudio.turn_id)
            .where(Turn.id == turn_id, Turn.interview_id == interview_id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def set_score(self, turn: Turn, score: dict[str, Any]) -> None:
        """Replace an answer's stored score (explicit re-scoring) with the rubric that made it."""
        turn.score = score
        turn.rubric_id = score.get("rubric_id")
        turn.rubric_version = score.get("rubric_version")
        await self.session.flush()

    async def delete_audio_created_before(self, cutoff: datetime) -> int:
        """Delete recordings stored before `cutoff`; the turns (transcripts, scores) stay."""
        result = await self.session.execute(
            delete(AnswerAudio).where(AnswerAudio.created_at < cutoff)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _owned_by(owner_id: str | None) -> ColumnElement[bool]:
    # Local mode has one user and stores owner_id NULL; accounts mode always passes an id.
    if owner_id is None:
        return Interview.owner_id.is_(None)
    return Interview.owner_id == owner_id
