"""Planning and creating an interview, and rebuilding its machine: content meets storage.

The setup page previews a plan (`plan_interview`) and then creates the interview with the
previewed question ids in order, so the questions asked are exactly the ones shown.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from fastapi import HTTPException, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Interview, Turn
from app.db.repositories import InterviewRepository
from app.runtime import Content
from app.schemas import InterviewCreate
from interviewer.bank import UnknownQuestion
from interviewer.drills import drill_plan
from interviewer.followup import RubricFollowups
from interviewer.machine import InterviewMachine
from interviewer.plan import PlanError, PlanKind, PlanRequest, Round, make_plan, question_minutes
from interviewer.questions import Question
from interviewer.tailoring import PostingProfile, analyze_posting, personalize

MAX_ASKED = 20  # questions in one interview, repeats of a drill included
CHOSEN_REASON = "chosen to practise"


@dataclass(frozen=True)
class PlannedInterview:
    role: str
    round: Round
    questions: list[Question]  # in asking order, with the tailored wording; a drill repeats
    reasons: dict[str, str]  # question id → why it is asked
    kind: PlanKind
    role_title: str  # the posting's title when it names one, else the bank's
    profile: PostingProfile | None
    timed: bool
    answer_seconds: int

    @property
    def estimated_minutes(self) -> float:
        return sum(
            question_minutes(q, timed=self.timed, answer_seconds=self.answer_seconds)
            for q in self.questions
        )


async def practiced_counts(db: AsyncSession, owner_id: str | None) -> Counter[str]:
    """Times each question was answered (follow-up answers are part of the same attempt)."""
    owner = Interview.owner_id.is_(None) if owner_id is None else Interview.owner_id == owner_id
    stmt = (
        select(Turn.question_id)
        .join(Interview, Interview.id == Turn.interview_id)
        .where(
            owner,
            Turn.speaker == "candidate",
            Turn.kind == "answer",
            Turn.question_id.is_not(None),
        )
    )
    return Counter(qid for qid in (await db.execute(stmt)).scalars() if qid)


def posting_profile(body: InterviewCreate) -> PostingProfile | None:
    posting, resume = (body.posting or "").strip(), (body.resume or "").strip()
    if not posting and not resume:
        return None
    return analyze_posting(posting, resume)


async def plan_interview(
    db: AsyncSession, content: Content, body: InterviewCreate, *, owner_id: str | None, seed: int
) -> PlannedInterview:
    """The questions an interview with these options asks, and why; 422 when it cannot be."""
    roles = {r.id: r for r in content.bank.roles()}
    if body.role not in roles:
        raise _unprocessable(f"unknown role {body.role!r}; known roles: {', '.join(sorted(roles))}")
    profile = posting_profile(body)
    practiced = dict(await practiced_counts(db, owner_id))
    kind: PlanKind = "interview"
    round_: Round = body.round
    if body.question_ids:
        questions = _chosen_questions(content, body.question_ids, body.repeat)
        if "round" not in body.model_fields_set:
            round_ = _round_of(questions)
        if body.repeat > 1:
            kind = "drill"
            reasons = _drill_reasons(content, body)
        else:
            reasons = _reasons_in_a_full_plan(content, body, round_, profile, practiced)
            reasons = {q.id: reasons.get(q.id, CHOSEN_REASON) for q in questions}
        if profile is not None:
            questions = [personalize(q, profile) for q in questions]
    else:
        request = PlanRequest(
            role=body.role,
            round=round_,
            questions=None if body.minutes else body.questions,
            minutes=body.minutes,
            timed=body.timed,
            answer_seconds=body.answer_seconds,
            practiced=practiced,
            posting=profile,
            seed=seed,
        )
        try:
            plan = make_plan(content.bank, request)
        except PlanError as error:
            raise _unprocessable(str(error)) from None
        questions, reasons = list(plan.questions)[:MAX_ASKED], dict(plan.reasons)
    return PlannedInterview(
        role=body.role,
        round=round_,
        questions=questions,
        reasons=reasons,
        kind=kind,
        role_title=(profile.role_title if profile else None) or roles[body.role].title,
        profile=profile,
        timed=body.timed,
        answer_seconds=body.answer_seconds,
    )


async def create_interview(
    db: AsyncSession, content: Content, body: InterviewCreate, *, owner_id: str | None
) -> Interview:
    seed = secrets.randbelow(2**31)
    planned = await plan_interview(db, content, body, owner_id=owner_id, seed=seed)
    stored: dict[str, Any] = {
        "questions": [{"id": q.id, "text": q.text, "type": q.type} for q in planned.questions],
        "reasons": planned.reasons,
        "role_title": planned.role_title,
        "timed": planned.timed,
        "answer_seconds": planned.answer_seconds,
        "seed": seed,
        "kind": planned.kind,
        "repeat": body.repeat if planned.kind == "drill" else 1,
        "minutes": body.minutes,
        "estimated_minutes": round(planned.estimated_minutes, 1),
        "profile": profile_json(planned.profile),
    }
    return await InterviewRepository(db).create(
        role=body.role, round=planned.round, plan=stored, owner_id=owner_id
    )


def profile_json(profile: PostingProfile | None) -> dict[str, Any] | None:
    """What the setup page shows of a posting, and all of it that is stored."""
    if profile is None:
        return None
    return {
        "role_title": profile.role_title,
        "company": profile.company,
        "matched_role": profile.matched_role,
        "terms": [
            {"term": t.term, "source": t.source, "weight": round(t.weight, 2)}
            for t in profile.terms
        ],
    }


def _chosen_questions(content: Content, question_ids: list[str], repeat: int) -> list[Question]:
    if len(set(question_ids)) != len(question_ids):
        raise _unprocessable("question_ids repeat a question; ask for a drill with `repeat`")
    if len(question_ids) * repeat > MAX_ASKED:
        raise _unprocessable(f"at most {MAX_ASKED} questions in one interview, repeats included")
    questions = []
    for question_id in question_ids:
        try:
            question = content.bank.get(question_id)
        except UnknownQuestion:
            raise _unprocessable(f"unknown question {question_id!r}") from None
        questions.extend([question] * repeat)
    return questions


def _round_of(questions: list[Question]) -> Round:
    kinds = {q.type == "behavioral" for q in questions}
    if kinds == {True}:
        return "behavioral"
    return "technical" if kinds == {False} else "mixed"


def _drill_reasons(content: Content, body: InterviewCreate) -> dict[str, str]:
    reasons: dict[str, str] = {}
    for question_id in body.question_ids or []:
        drill = drill_plan(content.bank, question_id, body.repeat)
        reasons.update(drill.reasons)
    return reasons


def _reasons_in_a_full_plan(
    content: Content,
    body: InterviewCreate,
    round_: Round,
    profile: PostingProfile | None,
    practiced: dict[str, int],
) -> dict[str, str]:
    """Reasons as a planned interview of the whole round gives them (a previewed plan's)."""
    request = PlanRequest(
        role=body.role,
        round=round_,
        questions=len(content.bank.questions(body.role)),
        timed=body.timed,
        answer_seconds=body.answer_seconds,
        practiced=practiced,
        posting=profile,
    )
    try:
        return dict(make_plan(content.bank, request).reasons)
    except PlanError:
        return {}


def _unprocessable(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


def build_machine(interview: Interview, content: Content) -> InterviewMachine:
    plan = interview.plan
    questions = [content.bank.get(q["id"]) for q in plan["questions"]]
    # The stored text wins: a tailored question keeps the wording the candidate was shown.
    questions = [
        replace(q, text=stored["text"])
        for q, stored in zip(questions, plan["questions"], strict=True)
    ]
    machine = InterviewMachine(
        questions,
        RubricFollowups(content.rubrics),
        role_title=plan.get("role_title", interview.role),
        round=interview.round,
        seed=int(plan.get("seed", 0)),
        drill=plan.get("kind") == "drill",
    )
    if plan.get("position"):
        machine.restore(plan["position"])
    return machine
