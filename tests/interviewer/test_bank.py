from pathlib import Path

import pytest
import yaml

from interviewer.bank import (
    BANKS_DIR,
    BankError,
    QuestionBank,
    UnknownQuestion,
    UnknownRole,
    load_banks,
)

ROOT = Path(__file__).resolve().parents[2]
RUBRICS_DIR = ROOT / "rubrics" / "data"
SEED_TECHNICAL_IDS = {
    "backend.idempotent-payments",
    "backend.queue-vs-sync",
    "backend.cache-vs-db",
    "backend.latency-spike",
    "backend.eventual-consistency",
    "backend.rate-limiter",
    "backend.idempotent-apis",
    "backend.postgres-vs-nosql",
    "backend.indexing",
    "backend.lru-cache",
    "backend.url-shortener",
    "backend.locking",
}
SEED_BEHAVIORAL_IDS = {
    "behavioral.tell-me-about-yourself",
    "behavioral.why-this-role",
    "behavioral.failure",
    "behavioral.incident",
    "behavioral.scaling",
    "behavioral.reliability",
}
SHARED_RUBRICS = {"star", "pitch", "motivation"}
OTHER_ROLES = ("frontend-engineer", "site-reliability-engineer", "data-engineer")


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_banks()


def own_questions(bank, role):
    return [q for q in bank.questions(role) if q.role == role]


def test_packaged_banks_load_with_the_expected_roles(bank):
    roles = {role.id: role for role in bank.roles()}
    assert {"backend-engineer", "general", *OTHER_ROLES} <= set(roles)
    for role in roles.values():
        assert role.title and role.description
        assert role.question_count == len(bank.questions(role.id))


def test_every_seed_question_id_exists_for_backend(bank):
    ids = {q.id for q in bank.questions("backend-engineer")}
    missing = (SEED_TECHNICAL_IDS | SEED_BEHAVIORAL_IDS) - ids
    assert not missing


def test_bank_sizes_meet_the_issue(bank):
    backend_extra = [
        q for q in own_questions(bank, "backend-engineer") if q.id not in SEED_TECHNICAL_IDS
    ]
    backend_extra = [q for q in backend_extra if q.id not in SEED_BEHAVIORAL_IDS]
    assert len(backend_extra) >= 20
    general = own_questions(bank, "general")
    assert len(general) >= 25
    assert all(q.type == "behavioral" for q in general)
    for role in OTHER_ROLES:
        assert len(own_questions(bank, role)) >= 15, role


def test_general_bank_covers_the_usual_behavioral_themes(bank):
    tags = {tag for q in own_questions(bank, "general") for tag in q.tags}
    assert {"conflict", "leadership", "prioritisation", "feedback", "ambiguity"} <= tags


def test_every_role_draws_behavioral_questions_from_general(bank):
    general_ids = {q.id for q in bank.questions("general")}
    for role in ("backend-engineer", *OTHER_ROLES):
        assert general_ids <= {q.id for q in bank.questions(role)}


def test_seed_questions_carry_the_seed_guidance_and_sample_answers(bank):
    for qid in (
        "backend.idempotent-payments",
        "backend.queue-vs-sync",
        "backend.cache-vs-db",
        "backend.latency-spike",
        "backend.eventual-consistency",
    ):
        assert bank.get(qid).sample_answer, qid
    rate_limiter = bank.get("backend.rate-limiter")
    assert "token bucket vs. sliding window" in rate_limiter.guidance
    assert "Past → Present → Future" in bank.get("behavioral.tell-me-about-yourself").guidance


def test_questions_are_one_short_spoken_question_each(bank):
    for question in bank.questions():
        assert question.text.count("?") <= 1, question.id
        assert "\n" not in question.text
        assert len(question.text.split()) <= 30, question.id


def test_technical_questions_name_their_key_terms(bank):
    for question in bank.questions():
        if question.type != "behavioral":
            assert len(question.key_terms) >= 3, question.id


def test_rubric_ids_follow_the_conventions(bank):
    for question in bank.questions():
        if question.id == "behavioral.tell-me-about-yourself":
            assert question.rubric == "pitch"
        elif question.id == "behavioral.why-this-role":
            assert question.rubric == "motivation"
        elif question.type == "behavioral":
            assert question.rubric == "star", question.id
        else:
            assert question.rubric == question.id


def rubric_files():
    """Rubric id → file, read directly (the rubrics package is written in parallel)."""
    files = {}
    for path in RUBRICS_DIR.rglob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            files[data["id"]] = path
    return files


def test_every_question_has_a_rubric_that_loads(bank):
    from rubrics import load_rubrics

    rubrics = load_rubrics()
    missing = {q.id: q.rubric for q in bank.questions() if q.rubric not in rubrics}
    assert not missing


def test_added_technical_rubrics_follow_the_schema(bank):
    files = rubric_files()
    added = [
        q for q in bank.questions() if q.type != "behavioral" and q.id not in SEED_TECHNICAL_IDS
    ]
    assert added
    for question in added:
        path = files[question.rubric]
        assert path == RUBRICS_DIR / question.role / f"{question.id}.yaml"
        rubric = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert rubric["kind"] == "concepts" and rubric["version"] == 1 and rubric["title"]
        assert 3 <= len(rubric["criteria"]) <= 6, question.id
        criterion_ids = [c["id"] for c in rubric["criteria"]]
        assert len(set(criterion_ids)) == len(criterion_ids)
        for criterion in rubric["criteria"]:
            assert criterion["label"] and criterion["weight"] > 0
            assert 4 <= len(criterion["patterns"]) <= 10, (question.id, criterion["id"])
            assert all(isinstance(p, str) and p.strip() for p in criterion["patterns"])
            assert criterion["followup"].endswith("?"), (question.id, criterion["id"])


def test_questions_of_a_role_and_lookup_by_id(bank):
    question = bank.get("backend.rate-limiter")
    assert question.role == "backend-engineer"
    assert question in bank.questions("backend-engineer")
    assert question not in bank.questions("frontend-engineer")
    assert bank.get("behavioral.failure").role == "general"


def test_unknown_role_and_question_are_errors(bank):
    with pytest.raises(UnknownRole, match="astronaut"):
        bank.questions("astronaut")
    with pytest.raises(UnknownQuestion) as error:
        bank.get("backend.no-such-question")
    assert isinstance(error.value, KeyError)
    assert "backend.no-such-question" in str(error.value)


# --- validation of user-written bank files --------------------------------------------------

GOOD_QUESTION = {
    "id": "custom.first",
    "text": "How would you design a ledger?",
    "type": "technical",
    "rubric": "custom.first",
    "difficulty": 2,
    "tags": ["databases"],
    "key_terms": ["ledger", "double entry"],
}


def write_bank(directory: Path, name: str, questions: list, **top) -> Path:
    path = directory / f"{name}.yaml"
    data = {"role": name, "title": name.title(), "questions": questions, **top}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_user_can_add_a_role_without_code(tmp_path):
    (tmp_path / "general.yaml").write_text(
        (BANKS_DIR / "general.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    write_bank(tmp_path, "custom-role", [GOOD_QUESTION], includes=["general"])
    bank = load_banks(tmp_path)
    assert "custom-role" in {role.id for role in bank.roles()}
    questions = bank.questions("custom-role")
    assert questions[0].id == "custom.first"
    assert questions[0].key_terms == ("ledger", "double entry")
    assert len(questions) == 1 + len(bank.questions("general"))


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"type": "essay"}, "type", "must be one of behavioral, technical, system_design"),
        ({"text": ""}, "text", "non-empty"),
        ({"difficulty": 5}, "difficulty", "1 to 3"),
        ({"rubric": None}, "rubric", "non-empty string"),
        ({"tags": "databases"}, "tags", "list"),
        ({"key_terms": ["ok", 301]}, "key_terms", "item 2"),
        ({"folowups": ["typo"]}, "folowups", "unknown field"),
        ({"text": "What is a ledger? Why use one?"}, "text", "exactly one question"),
    ],
)
def test_broken_question_names_file_question_and_field(tmp_path, change, field, problem):
    question = {**GOOD_QUESTION, "id": "custom.broken", **change}
    write_bank(tmp_path, "custom-role", [GOOD_QUESTION, question])
    with pytest.raises(BankError) as error:
        load_banks(tmp_path)
    message = str(error.value)
    assert message.startswith("custom-role.yaml: question 'custom.broken': ")
    assert f"field '{field}'" in message
    assert problem in message


def test_question_without_id_is_named_by_position(tmp_path):
    question = {k: v for k, v in GOOD_QUESTION.items() if k != "id"}
    write_bank(tmp_path, "custom-role", [GOOD_QUESTION, question])
    with pytest.raises(BankError, match=r"custom-role.yaml: question #2: field 'id'"):
        load_banks(tmp_path)


def test_duplicate_ids_across_files_are_errors(tmp_path):
    write_bank(tmp_path, "alpha", [GOOD_QUESTION])
    write_bank(tmp_path, "beta", [GOOD_QUESTION])
    with pytest.raises(BankError) as error:
        load_banks(tmp_path)
    message = str(error.value)
    assert "beta.yaml: question 'custom.first'" in message
    assert "duplicate" in message and "alpha.yaml" in message


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        (
            {"includes": ["nowhere"]},
            "custom-role.yaml: field 'includes': no bank for role 'nowhere'",
        ),
        ({"role": "other-name"}, "custom-role.yaml: field 'role': must match the file name"),
        ({"title": 7}, "custom-role.yaml: field 'title'"),
        ({"questions": []}, "custom-role.yaml: field 'questions'"),
        ({"practice_plan": [{"focus": "Nothing"}]}, "custom-role.yaml: practice_plan #1"),
    ],
)
def test_broken_bank_fields_name_the_file_and_field(tmp_path, top, expected):
    write_bank(tmp_path, "custom-role", [GOOD_QUESTION])
    path = tmp_path / "custom-role.yaml"
    data = {**yaml.safe_load(path.read_text(encoding="utf-8")), **top}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(BankError) as error:
        load_banks(tmp_path)
    assert str(error.value).startswith(expected)


def test_invalid_yaml_names_the_file(tmp_path):
    (tmp_path / "custom-role.yaml").write_text("role: [unclosed\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"^custom-role.yaml: not valid YAML"):
        load_banks(tmp_path)


def test_empty_directory_is_an_error(tmp_path):
    with pytest.raises(BankError, match="no question bank files"):
        load_banks(tmp_path)
