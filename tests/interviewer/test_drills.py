from collections import Counter

import pytest
import yaml

from interviewer.bank import BANKS_DIR, QuestionBank, UnknownQuestion, UnknownRole, load_banks
from interviewer.drills import (
    PLAN_DAYS,
    WEAK_SPOTS_FOCUS,
    CriterionOutcome,
    PracticeDay,
    drill_plan,
    seven_day_plan,
    weak_spots,
)

ROLES = ("backend-engineer", "frontend-engineer", "site-reliability-engineer", "data-engineer")


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_banks()


def outcomes(question_id: str, met: int, missed: int) -> list[CriterionOutcome]:
    return [CriterionOutcome(question_id, f"c{n}", True) for n in range(met)] + [
        CriterionOutcome(question_id, f"m{n}", False) for n in range(missed)
    ]


def test_weak_spots_are_the_most_missed_questions(bank):
    history = [
        *outcomes("backend.rate-limiter", met=1, missed=3),  # 75% missed
        *outcomes("backend.indexing", met=2, missed=2),  # 50%
        *outcomes("behavioral.failure", met=4, missed=0),  # nothing missed
        *outcomes("backend.locking", met=3, missed=1),  # 25%
        *outcomes("backend.removed-from-bank", met=0, missed=5),
    ]
    spots = weak_spots(history, bank, limit=5)
    assert [(q.id, rate) for q, rate in spots] == [
        ("backend.rate-limiter", 0.75),
        ("backend.indexing", 0.5),
        ("backend.locking", 0.25),
    ]
    assert [q.id for q, _ in weak_spots(history, bank, limit=1)] == ["backend.rate-limiter"]


def test_weak_spot_ties_go_to_the_question_with_more_evidence(bank):
    history = [
        *outcomes("backend.indexing", met=1, missed=1),
        *outcomes("backend.locking", met=3, missed=3),
    ]
    assert [q.id for q, _ in weak_spots(history, bank)] == ["backend.locking", "backend.indexing"]


def test_no_history_no_weak_spots(bank):
    assert weak_spots([], bank) == []


def test_drill_repeats_one_question(bank):
    plan = drill_plan(bank, "backend.rate-limiter", repetitions=4, timed=True, answer_seconds=90)
    assert [q.id for q in plan.questions] == ["backend.rate-limiter"] * 4
    assert plan.kind == "drill" and plan.round == "technical"
    assert plan.timed and plan.answer_seconds == 90
    assert drill_plan(bank, "behavioral.failure").round == "behavioral"
    with pytest.raises(UnknownQuestion):
        drill_plan(bank, "backend.nope")
    with pytest.raises(ValueError):
        drill_plan(bank, "backend.rate-limiter", repetitions=0)


@pytest.mark.parametrize("role", [*ROLES, "general"])
def test_seven_day_plan_has_one_focus_a_day_and_ends_with_a_mock_round(bank, role):
    days = seven_day_plan(bank, role, seed=1)
    assert [day.day for day in days] == list(range(1, PLAN_DAYS + 1))
    assert len({day.focus for day in days}) == PLAN_DAYS
    role_ids = {q.id for q in bank.questions(role)}
    for day in days:
        assert day.question_ids and set(day.question_ids) <= role_ids
        assert len(set(day.question_ids)) == len(day.question_ids)
    assert days[-1].timed and not any(day.timed for day in days[:-1])


@pytest.mark.parametrize("role", ROLES)
def test_drills_do_not_repeat_within_the_week(bank, role):
    days = seven_day_plan(bank, role, seed=2)
    drilled = Counter(qid for day in days[:-1] for qid in day.question_ids)
    assert max(drilled.values()) == 1
    # the mock round prefers questions drilled least this week
    mock = [bank.get(qid) for qid in days[-1].question_ids[1:]]
    for question in mock:
        same_kind = [
            q.id
            for q in bank.questions(role)
            if (q.type == "behavioral") == (question.type == "behavioral")
            and q.id not in days[-1].question_ids
        ]
        assert drilled[question.id] <= min(drilled[qid] for qid in same_kind)


def test_backend_plan_follows_the_seed_prep_themes(bank):
    days = seven_day_plan(bank, "backend-engineer", seed=0)
    notes = " ".join(day.note for day in days)
    assert "narrate your assumptions" in notes
    assert "Prepare one incident story" in notes
    assert "timed mock round" in days[-1].note
    incident_day = next(day for day in days if "incident" in day.focus.lower())
    assert "behavioral.incident" in incident_day.question_ids


def test_weak_spots_open_the_week_and_come_back_once(bank):
    weak = [(bank.get("backend.indexing"), 0.75), (bank.get("backend.locking"), 0.5)]
    days = seven_day_plan(bank, "backend-engineer", weak=weak, seed=0)
    assert len(days) == PLAN_DAYS
    assert days[0].focus == WEAK_SPOTS_FOCUS
    assert days[0].question_ids == ("backend.indexing", "backend.locking")
    assert "75%" in days[0].note
    later = Counter(qid for day in days[1:-1] for qid in day.question_ids)
    assert later["backend.indexing"] == 1  # drilled again on a theme it fits


def test_same_seed_same_week(bank):
    first = seven_day_plan(bank, "frontend-engineer", seed=5)
    assert first == seven_day_plan(bank, "frontend-engineer", seed=5)


def test_unknown_role_is_an_error(bank):
    with pytest.raises(UnknownRole):
        seven_day_plan(bank, "astronaut")


def test_role_without_its_own_themes_uses_the_general_ones(tmp_path):
    (tmp_path / "general.yaml").write_text(
        (BANKS_DIR / "general.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    custom = {
        "role": "custom-role",
        "title": "Custom",
        "includes": ["general"],
        "questions": [
            {
                "id": f"custom.q{n}",
                "text": f"How would you design system number {n}?",
                "type": "technical",
                "rubric": f"custom.q{n}",
            }
            for n in range(3)
        ],
    }
    (tmp_path / "custom-role.yaml").write_text(yaml.safe_dump(custom), encoding="utf-8")
    bank = load_banks(tmp_path)
    days = seven_day_plan(bank, "custom-role", seed=0)
    assert len(days) == PLAN_DAYS
    assert days[0].focus == bank.practice_themes("general")[0].focus


def test_practice_day_completion():
    day = PracticeDay(2, "Caching", ("a", "b", "c"))
    assert not day.is_complete(set())
    assert day.remaining({"a", "x"}) == ("b", "c")
    assert day.is_complete({"a", "b", "c", "d"})
