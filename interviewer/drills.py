"""Drills: one question again and again, weak spots from past scores, a 7-day practice plan."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import cycle, islice

from interviewer.bank import PracticeTheme, QuestionBank, UnknownQuestion
from interviewer.plan import InterviewPlan, PlanRequest, make_plan
from interviewer.questions import Question

PLAN_DAYS = 7
DRILLS_PER_DAY = 3
MOCK_ROUND_QUESTIONS = 4
WEAK_SPOTS_FOCUS = "Your weak spots"
MOCK_ROUND = PracticeTheme(
    focus="Timed mock round",
    note="Run one timed mock round and keep every answer inside the time limit.",
    timed=True,
)
# Used after a role's own themes when it has fewer than a week's worth.
FALLBACK_THEMES = (
    PracticeTheme(
        "Behavioral stories with STAR",
        "Tell each story as situation, task, action, result.",
        (),
        ("behavioral",),
    ),
    PracticeTheme("Technical depth", "Explain trade-offs and failure modes.", (), ("technical",)),
    PracticeTheme("System design", "Clarify scope before drawing boxes.", (), ("system_design",)),
)


@dataclass(frozen=True)
class CriterionOutcome:
    """Whether one rubric criterion was met in one scored answer."""

    question_id: str
    criterion_id: str
    met: bool


@dataclass(frozen=True)
class PracticeDay:
    day: int  # 1..7
    focus: str
    question_ids: tuple[str, ...]
    note: str = ""
    timed: bool = False  # a timed mock round rather than separate drills

    def remaining(self, done: Collection[str]) -> tuple[str, ...]:
        """Ids not yet practiced; `done` holds the ids practiced since the plan began."""
        return tuple(qid for qid in self.question_ids if qid not in done)

    def is_complete(self, done: Collection[str]) -> bool:
        return not self.remaining(done)


def weak_spots(
    history: Iterable[CriterionOutcome], bank: QuestionBank, limit: int = 5
) -> list[tuple[Question, float]]:
    """Questions whose criteria were missed most often, with the share missed (0..1].

    Ties go to the question with more evidence (more outcomes); questions no longer in the
    bank are ignored.
    """
    total: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for outcome in history:
        total[outcome.question_id] += 1
        missed[outcome.question_id] += not outcome.met
    spots = []
    for question_id, count in total.items():
        if not missed[question_id]:
            continue
        try:
            question = bank.get(question_id)
        except UnknownQuestion:
            continue
        spots.append((question, missed[question_id] / count, count))
    spots.sort(key=lambda spot: (-spot[1], -spot[2], spot[0].id))
    return [(question, rate) for question, rate, _ in spots[:limit]]


def drill_plan(
    bank: QuestionBank,
    question_id: str,
    repetitions: int = 3,
    *,
    timed: bool = False,
    answer_seconds: int = 120,
) -> InterviewPlan:
    """The same question asked `repetitions` times in a row."""
    if repetitions < 1:
        raise ValueError("repetitions must be at least 1")
    question = bank.get(question_id)
    return InterviewPlan(
        role=question.role,
        round="behavioral" if question.type == "behavioral" else "technical",
        questions=(question,) * repetitions,
        reasons={question.id: f"drill: the same question {repetitions} times"},
        timed=timed,
        answer_seconds=answer_seconds,
        kind="drill",
    )


def seven_day_plan(
    bank: QuestionBank,
    role: str,
    weak: Sequence[tuple[Question, float]] = (),
    seed: int = 0,
) -> list[PracticeDay]:
    """One focus a day: weak spots first (when there are any), the role's themes, a mock round.

    Drills do not repeat across the week while unused questions fit the day's theme; a weak
    question that fits a theme is drilled again on that day. Themes repeat when a role has
    fewer than a week's worth; with weak spots, the last of six themes gives way to them.
    """
    questions = bank.questions(role)  # raises UnknownRole
    rng = random.Random(seed)
    shuffle = {q.id: rng.random() for q in questions}
    weak_ids = [q.id for q, _ in weak]
    themes = bank.practice_themes(role)
    mock = next((t for t in themes if t.timed), MOCK_ROUND)
    drill_themes = [t for t in themes if not t.timed] + list(FALLBACK_THEMES)

    days: list[PracticeDay] = []
    used: Counter[str] = Counter()
    if weak_ids:
        picked = tuple(weak_ids[:DRILLS_PER_DAY])
        days.append(PracticeDay(1, WEAK_SPOTS_FOCUS, picked, _weak_note(weak[:DRILLS_PER_DAY])))
        used.update(picked)
    usable = [t for t in drill_themes if any(t.fits(q) for q in questions)]
    week = list(islice(cycle(usable), max(0, PLAN_DAYS - 1 - len(days))))
    fitting = [[q for q in questions if theme.fits(q)] for theme in week]
    picks: dict[int, list[str]] = {index: [] for index in range(len(week))}
    # themes take turns, one drill at a time and the narrowest theme first, so broad themes
    # don't use up the questions a narrow theme depends on
    turns = sorted(range(len(week)), key=lambda i: len(fitting[i]))
    for _ in range(DRILLS_PER_DAY):
        for index in turns:
            candidates = [
                q
                for q in fitting[index]
                if q.id not in picks[index] and not _drilled_enough(q.id, used, weak_ids)
            ]
            if candidates:
                best = min(candidates, key=lambda q: _preference(q, role, weak_ids, shuffle))
                picks[index].append(best.id)
                used[best.id] += 1
    for index in turns:
        if not picks[index]:  # every fitting question was drilled already: repeat the least used
            ranked = sorted(fitting[index], key=lambda q: (used[q.id], shuffle[q.id]))
            picks[index] = [q.id for q in ranked[:DRILLS_PER_DAY]]
            used.update(picks[index])
    for index, theme in enumerate(week):
        days.append(PracticeDay(len(days) + 1, theme.focus, tuple(picks[index]), theme.note))

    mock_round = make_plan(
        bank,
        PlanRequest(
            role, "mixed", questions=MOCK_ROUND_QUESTIONS, timed=True, practiced=used, seed=seed
        ),
    )
    days.append(
        PracticeDay(
            len(days) + 1,
            mock.focus,
            tuple(q.id for q in mock_round.questions),
            mock.note,
            timed=True,
        )
    )
    return days


def _drilled_enough(question_id: str, used: Counter[str], weak_ids: Sequence[str]) -> bool:
    """A question is drilled once a week; a weak spot comes back once more."""
    return used[question_id] > (1 if question_id in weak_ids else 0)


def _preference(
    question: Question, role: str, weak_ids: Sequence[str], shuffle: Mapping[str, float]
) -> tuple[bool, bool, float]:
    """Weak spots first, then the role's own questions before those of included banks."""
    return (question.id not in weak_ids, question.role != role, shuffle[question.id])


def _weak_note(weak: Sequence[tuple[Question, float]]) -> str:
    missed = ", ".join(f"{round(rate * 100)}% missed" for _, rate in weak)
    return f"Questions whose criteria you missed most ({missed}). Aim to cover every point."
