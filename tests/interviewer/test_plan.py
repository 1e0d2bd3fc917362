import pytest

from interviewer.bank import QuestionBank, UnknownRole, load_banks
from interviewer.plan import (
    MINUTES_PER_QUESTION,
    WRAP_UP_PROMPTS,
    PlanError,
    PlanRequest,
    make_plan,
    question_minutes,
    wrap_up_prompt,
)
from interviewer.tailoring import analyze_posting

ROLES = ("backend-engineer", "frontend-engineer", "site-reliability-engineer", "data-engineer")
WARM_UP = "behavioral.tell-me-about-yourself"


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_banks()


def ids(plan):
    return [q.id for q in plan.questions]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("round", ["behavioral", "technical", "mixed"])
def test_plans_never_repeat_a_question(bank, role, round):
    in_round = [
        q
        for q in bank.questions(role)
        if round == "mixed" or (q.type == "behavioral") == (round == "behavioral")
    ]
    for seed in range(5):
        for count in (1, 5, 12, 200):
            plan = make_plan(bank, PlanRequest(role, round, questions=count, seed=seed))
            assert len(set(ids(plan))) == len(plan.questions)
            assert len(plan.questions) == min(count, len(in_round))


def test_plan_has_the_requested_number_of_questions(bank):
    for count in (1, 3, 7):
        plan = make_plan(bank, PlanRequest("backend-engineer", "mixed", questions=count))
        assert len(plan.questions) == count


def test_unknown_role_is_an_error(bank):
    with pytest.raises(UnknownRole, match="astronaut"):
        make_plan(bank, PlanRequest("astronaut", "mixed"))


def test_round_decides_the_question_types(bank):
    technical = make_plan(bank, PlanRequest("backend-engineer", "technical", questions=8))
    assert all(q.type in ("technical", "system_design") for q in technical.questions)
    behavioral = make_plan(bank, PlanRequest("backend-engineer", "behavioral", questions=8))
    assert all(q.type == "behavioral" for q in behavioral.questions)
    assert ids(behavioral)[0] == WARM_UP


def test_mixed_round_opens_with_the_warm_up_and_alternates(bank):
    for seed in range(5):
        plan = make_plan(bank, PlanRequest("data-engineer", "mixed", questions=6, seed=seed))
        assert ids(plan)[0] == WARM_UP
        kinds = ["behavioral" if q.type == "behavioral" else "technical" for q in plan.questions]
        assert kinds == ["behavioral", "technical"] * 3
        assert plan.reasons[WARM_UP].startswith("warm-up")


def test_same_seed_same_plan_and_seeds_vary_the_plan(bank):
    request = PlanRequest("backend-engineer", "technical", questions=5, seed=42)
    assert ids(make_plan(bank, request)) == ids(make_plan(bank, request))
    plans = {
        tuple(ids(make_plan(bank, PlanRequest("backend-engineer", "technical", seed=seed))))
        for seed in range(6)
    }
    assert len(plans) > 1


def test_unpracticed_questions_come_first(bank):
    technical = [q.id for q in bank.questions("backend-engineer") if q.type != "behavioral"]
    fresh = set(technical[:3])
    practiced = {qid: 2 for qid in technical if qid not in fresh}
    practiced[technical[3]] = 1  # the least practiced of the rest comes next
    plan = make_plan(
        bank, PlanRequest("backend-engineer", "technical", questions=4, practiced=practiced)
    )
    assert set(ids(plan)[:3]) == fresh
    assert ids(plan)[3] == technical[3]
    assert plan.reasons[ids(plan)[0]].endswith("not practiced yet")
    assert "practiced once before" in plan.reasons[technical[3]]


def test_every_question_has_a_reason(bank):
    plan = make_plan(bank, PlanRequest("frontend-engineer", "mixed", questions=6))
    assert set(plan.reasons) == set(ids(plan))
    assert all(plan.reasons.values())


def test_minutes_become_as_many_questions_as_fit(bank):
    for minutes in (5, 12, 20, 45):
        request = PlanRequest("backend-engineer", "mixed", questions=None, minutes=minutes)
        plan = make_plan(bank, request)
        assert plan.estimated_minutes <= minutes
        one_more = PlanRequest("backend-engineer", "mixed", questions=len(plan.questions) + 1)
        assert make_plan(bank, one_more).estimated_minutes > minutes


def test_minutes_use_the_documented_per_type_estimate(bank):
    minutes = 5 * MINUTES_PER_QUESTION["behavioral"]
    plan = make_plan(bank, PlanRequest("general", "behavioral", minutes=int(minutes)))
    assert len(plan.questions) == 5
    # never empty: the first question is asked even if it alone is longer than asked for
    short = make_plan(bank, PlanRequest("backend-engineer", "technical", minutes=1))
    assert len(short.questions) == 1


def test_timed_mode_is_carried_and_long_answers_fit_fewer_questions(bank):
    untimed = make_plan(bank, PlanRequest("general", "behavioral", minutes=30))
    timed = make_plan(
        bank, PlanRequest("general", "behavioral", minutes=30, timed=True, answer_seconds=360)
    )
    assert timed.timed and timed.answer_seconds == 360
    assert not untimed.timed
    assert len(timed.questions) < len(untimed.questions)
    question = timed.questions[0]
    assert question_minutes(question, timed=True, answer_seconds=360) > question_minutes(question)


@pytest.mark.parametrize(
    "request_args",
    [
        {"questions": 0},
        {"questions": None, "minutes": None},
        {"minutes": 0},
        {"round": "lightning"},
        {"answer_seconds": 5},
    ],
)
def test_invalid_requests_are_errors(bank, request_args):
    with pytest.raises(PlanError):
        make_plan(bank, PlanRequest("backend-engineer", **request_args))


def test_round_without_questions_is_an_error(bank):
    with pytest.raises(PlanError, match="no questions"):
        make_plan(bank, PlanRequest("general", "technical"))


def test_posting_puts_matching_questions_first_and_names_the_company(bank):
    posting = analyze_posting(
        "Acme is hiring a Senior Backend Engineer.\n"
        "You will build event pipelines on Kafka and keep our Postgres databases healthy."
    )
    plan = make_plan(
        bank, PlanRequest("backend-engineer", "mixed", questions=6, posting=posting, seed=3)
    )
    assert ids(plan)[0] == WARM_UP
    why = plan.questions[2]
    assert why.id == "behavioral.why-this-role"
    assert "Senior Backend Engineer" in why.text and "Acme" in why.text
    technical = [q for q in plan.questions if q.type != "behavioral"]
    for question in technical:
        assert "posting" in plan.reasons[question.id]


def test_wrap_up_prompt_is_gentle_and_varies():
    prompts = {wrap_up_prompt(seed) for seed in range(40)}
    assert prompts <= set(WRAP_UP_PROMPTS)
    assert len(prompts) > 1
    assert wrap_up_prompt(7) == wrap_up_prompt(7)
    for prompt in prompts:
        assert "?" not in prompt and len(prompt.split()) <= 20
