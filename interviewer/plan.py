"""Interview plans: which questions, in which order, and why.

Order of preference inside each pool (behavioral; technical with system design):
questions matching the posting first, then the least practiced, then the strongest match,
then a seeded shuffle. A mixed round opens with the warm-up ("tell me about yourself") and
alternates technical and behavioral questions; a behavioral round opens with it too. With a
posting that names the role or company, "why this role" is the next behavioral question.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from interviewer.bank import QuestionBank
from interviewer.questions import Question
from interviewer.tailoring import MOTIVATION_RUBRIC, PostingProfile, match_score, personalize

Round = Literal["behavioral", "technical", "mixed"]
ROUNDS: tuple[str, ...] = get_args(Round)
PlanKind = Literal["interview", "drill"]

WARM_UP_RUBRIC = "pitch"
# Minutes one question takes out loud: the answer, at most one follow-up and the transition.
# A length in minutes becomes as many questions, in plan order, as fit in it.
MINUTES_PER_QUESTION: Mapping[str, float] = {
    "behavioral": 4.0,
    "technical": 5.0,
    "system_design": 8.0,
}
FOLLOWUP_MINUTES = 1.0  # added to a timed answer's limit when that is the longer estimate
MIN_ANSWER_SECONDS = 15
MAX_ANSWER_SECONDS = 900

WRAP_UP_PROMPTS = (
    "Let's wrap that one up — take a moment to finish your thought.",
    "We're about out of time on this one. Go ahead and finish your thought.",
    "Let's start bringing that answer to a close — wrap up whenever you're ready.",
    "Time's nearly up for this question. Take a few seconds to land your main point.",
)


class PlanError(ValueError):
    """The request cannot be planned (bad length, empty round, ...)."""


@dataclass(frozen=True)
class PlanRequest:
    role: str
    round: Round = "mixed"
    questions: int | None = 5
    minutes: int | None = None  # when set, the length in minutes decides the count
    timed: bool = False
    answer_seconds: int = 120  # per-answer limit in timed mode
    practiced: Mapping[str, int] = field(default_factory=dict)  # question id → times practiced
    posting: PostingProfile | None = None  # from tailoring.analyze_posting
    seed: int = 0


@dataclass(frozen=True)
class InterviewPlan:
    role: str
    round: Round
    questions: tuple[Question, ...]
    reasons: dict[str, str]  # question id → why it was chosen, shown on the setup page
    timed: bool = False
    answer_seconds: int = 120
    kind: PlanKind = "interview"

    @property
    def estimated_minutes(self) -> float:
        return sum(
            question_minutes(q, timed=self.timed, answer_seconds=self.answer_seconds)
            for q in self.questions
        )


def question_minutes(
    question: Question, *, timed: bool = False, answer_seconds: int = 120
) -> float:
    estimate = MINUTES_PER_QUESTION[question.type]
    if timed:
        estimate = max(estimate, answer_seconds / 60 + FOLLOWUP_MINUTES)
    return estimate


def make_plan(bank: QuestionBank, request: PlanRequest) -> InterviewPlan:
    """Choose and order the questions of one interview; no question appears twice."""
    _check(request)
    available = bank.questions(request.role)  # raises UnknownRole
    rng = random.Random(request.seed)
    shuffle = {q.id: rng.random() for q in available}
    matches = {
        q.id: match_score(q, request.posting) if request.posting else (0.0, "") for q in available
    }

    def preference(question: Question) -> tuple[bool, int, float, float]:
        score = matches[question.id][0]
        practiced = request.practiced.get(question.id, 0)
        return (score <= 0, practiced, -score, shuffle[question.id])

    behavioral = sorted((q for q in available if q.type == "behavioral"), key=preference)
    technical = sorted((q for q in available if q.type != "behavioral"), key=preference)
    warm_up = next((q for q in behavioral if q.rubric == WARM_UP_RUBRIC), None)
    motivation = next((q for q in behavioral if q.rubric == MOTIVATION_RUBRIC), None)
    if motivation and request.posting and (request.posting.role_title or request.posting.company):
        behavioral.remove(motivation)  # the posting names the role: ask why it, early
        behavioral.insert(0, motivation)
    if warm_up and request.round != "technical":
        behavioral.remove(warm_up)
        behavioral.insert(0, warm_up)

    if request.round == "behavioral":
        ordered = behavioral
    elif request.round == "technical":
        ordered = technical
    else:
        ordered = _alternate(behavioral, technical)
    if not ordered:
        raise PlanError(f"role {request.role!r} has no questions for a {request.round} round")

    chosen = _take(ordered, request)
    reasons = {
        q.id: _reason(q, q is warm_up, matches[q.id][1], request.practiced.get(q.id, 0))
        for q in chosen
    }
    if request.posting:
        chosen = [personalize(q, request.posting) for q in chosen]
    return InterviewPlan(
        role=request.role,
        round=request.round,
        questions=tuple(chosen),
        reasons=reasons,
        timed=request.timed,
        answer_seconds=request.answer_seconds,
    )


def wrap_up_prompt(seed: int) -> str:
    """A gentle spoken line for when a timed answer runs out of time."""
    return random.Random(seed).choice(WRAP_UP_PROMPTS)


def _check(request: PlanRequest) -> None:
    if request.round not in ROUNDS:
        raise PlanError(f"round must be one of {', '.join(ROUNDS)}, got {request.round!r}")
    if request.minutes is None and request.questions is None:
        raise PlanError("give a length in questions or in minutes")
    if request.minutes is not None and request.minutes < 1:
        raise PlanError("minutes must be at least 1")
    if request.minutes is None and request.questions is not None and request.questions < 1:
        raise PlanError("questions must be at least 1")
    if not MIN_ANSWER_SECONDS <= request.answer_seconds <= MAX_ANSWER_SECONDS:
        raise PlanError(f"answer_seconds must be from {MIN_ANSWER_SECONDS} to {MAX_ANSWER_SECONDS}")


def _alternate(behavioral: Sequence[Question], technical: Sequence[Question]) -> list[Question]:
    """Behavioral first, then technical and behavioral in turn; the longer pool fills the end."""
    ordered: list[Question] = []
    for index in range(max(len(behavioral), len(technical))):
        ordered.extend(behavioral[index : index + 1])
        ordered.extend(technical[index : index + 1])
    return ordered


def _take(ordered: Sequence[Question], request: PlanRequest) -> list[Question]:
    if request.minutes is None:
        return list(ordered[: request.questions])
    chosen: list[Question] = []
    spent = 0.0
    for question in ordered:
        cost = question_minutes(
            question, timed=request.timed, answer_seconds=request.answer_seconds
        )
        if chosen and spent + cost > request.minutes:
            break
        chosen.append(question)
        spent += cost
    return chosen


def _reason(question: Question, is_warm_up: bool, match: str, practiced: int) -> str:
    parts = []
    if is_warm_up:
        parts.append("warm-up: interviews usually open with it")
    if match:
        parts.append(match)
    if practiced == 0:
        parts.append("not practiced yet")
    else:
        parts.append(f"practiced {'once' if practiced == 1 else f'{practiced} times'} before")
    return "; ".join(parts)
