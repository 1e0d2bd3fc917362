import pytest

from interviewer.bank import BankError, QuestionBank, load_banks
from interviewer.tailoring import (
    PostingProfile,
    Term,
    analyze_posting,
    parse_skills,
    personalize,
    rank_questions,
)

KAFKA_POSTGRES_POSTING = """\
Senior Backend Engineer

About Acme
Acme builds payment infrastructure for online marketplaces.

We're looking for a Senior Backend Engineer to join our platform team.
- Build event-driven services on Kafka
- Operate and tune PostgreSQL at scale
- Experience with ClickHouse is a plus

Benefits: remote friendly, generous PTO.
"""


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_banks()


def term_names(profile):
    return {term.term for term in profile.terms}


def test_posting_terms_come_from_the_vocabulary_and_technology_tokens():
    profile = analyze_posting(KAFKA_POSTGRES_POSTING)
    names = term_names(profile)
    assert {"Kafka", "Postgres"} <= names  # PostgreSQL is an alias of Postgres
    assert "ClickHouse" in names  # unknown to the vocabulary, but technology-shaped
    assert not names & {"Benefits", "PTO", "Acme", "Senior", "Engineer"}
    assert all(term.source == "posting" for term in profile.terms)


def test_resume_terms_are_marked_by_source():
    profile = analyze_posting(KAFKA_POSTGRES_POSTING, resume="Five years of Kafka and Rust.")
    sources = {term.term: term.source for term in profile.terms}
    assert sources["Kafka"] == "both"
    assert sources["Rust"] == "resume"
    assert sources["Postgres"] == "posting"
    weights = {term.term: term.weight for term in profile.terms}
    assert weights["Kafka"] > weights["Rust"]


def test_short_terms_must_match_case():
    profile = analyze_posting("Our go-to-market team needs a Backend Engineer who knows SQL.")
    assert "Go" not in term_names(profile)
    assert "SQL" in term_names(profile)


@pytest.mark.parametrize(
    ("posting", "title", "company"),
    [
        (KAFKA_POSTGRES_POSTING, "Senior Backend Engineer", "Acme"),
        (
            "Globex is hiring a Staff Data Engineer to own our pipelines.",
            "Staff Data Engineer",
            "Globex",
        ),
        (
            "Job title: Frontend Engineer\nCompany: Initech\nWe build accounting tools.",
            "Frontend Engineer",
            "Initech",
        ),
        (
            "At Hooli, we keep search fast. We are seeking an experienced Site Reliability "
            "Engineer.",
            "Site Reliability Engineer",
            "Hooli",
        ),
        (
            "Backend Developer at Umbrella Corp\nBuild APIs in Go.",
            "Backend Developer",
            "Umbrella Corp",
        ),
        ("Join Vandelay Industries as a Data Engineer.", "Data Engineer", "Vandelay Industries"),
    ],
)
def test_role_title_and_company_from_common_phrasings(posting, title, company):
    profile = analyze_posting(posting)
    assert profile.role_title == title
    assert profile.company == company


def test_posting_without_title_or_company():
    profile = analyze_posting("we need someone who knows kafka")
    assert profile.role_title is None and profile.company is None
    assert "Kafka" in term_names(profile)


@pytest.mark.parametrize(
    ("posting", "role"),
    [
        (KAFKA_POSTGRES_POSTING, "backend-engineer"),
        (
            "We're looking for a Frontend Engineer who loves React and accessibility.",
            "frontend-engineer",
        ),
        (
            "Hiring an SRE to run Kubernetes and own our on-call rotation.",
            "site-reliability-engineer",
        ),
        ("We're looking for a Data Engineer to build ETL in Airflow and Spark.", "data-engineer"),
        ("We sell shoes and need help in the store.", None),
    ],
)
def test_posting_is_matched_to_a_bank_role(posting, role):
    assert analyze_posting(posting).matched_role == role


def test_kafka_and_postgres_posting_ranks_queue_and_postgres_questions_first(bank):
    profile = analyze_posting(KAFKA_POSTGRES_POSTING)
    technical = [q for q in bank.questions("backend-engineer") if q.type != "behavioral"]
    ranked = rank_questions(technical, profile)
    order = [q.id for q, _ in ranked]
    reasons = dict((q.id, reason) for q, reason in ranked)
    first_unmatched = next(i for i, (_, reason) in enumerate(ranked) if not reason)
    for qid in ("backend.queue-vs-sync", "backend.postgres-vs-nosql", "backend.exactly-once"):
        assert order.index(qid) < first_unmatched
    top = [q for q, _ in ranked[:5]]
    for question in top:
        words = " ".join((*question.key_terms, *question.tags)).lower()
        assert "kafka" in words or "postgres" in words or "queues" in words, question.id
    assert "Kafka" in reasons["backend.queue-vs-sync"]
    assert "Postgres" in reasons["backend.postgres-vs-nosql"]
    assert reasons["backend.queue-vs-sync"].endswith("in the posting")
    # nothing else is lost or duplicated
    assert sorted(order) == sorted(q.id for q in technical)


def test_posting_that_matches_nothing_keeps_the_original_order(bank):
    questions = bank.questions("backend-engineer")
    ranked = rank_questions(questions, analyze_posting("We sell shoes."))
    assert [q for q, _ in ranked] == questions
    assert all(reason == "" for _, reason in ranked)


def test_resume_matches_are_explained_as_such(bank):
    profile = PostingProfile(None, None, [Term("Kafka", 0.5, "resume", ("queues",))])
    ranked = dict((q.id, r) for q, r in rank_questions(bank.questions("backend-engineer"), profile))
    assert ranked["backend.exactly-once"] == "matches Kafka from your résumé"


def test_personalize_names_role_and_company(bank):
    why = bank.get("behavioral.why-this-role")
    profile = analyze_posting(KAFKA_POSTGRES_POSTING)
    personal = personalize(why, profile)
    assert personal.text == "Why are you interested in the Senior Backend Engineer role at Acme?"
    assert "Acme" in personal.key_terms  # so speech recognition hears the name right
    assert personal.id == why.id and personal.rubric == why.rubric
    company_only = personalize(why, PostingProfile(None, "Acme"))
    assert company_only.text == "Why are you interested in this role at Acme?"


def test_personalize_leaves_other_questions_and_empty_profiles_alone(bank):
    profile = analyze_posting(KAFKA_POSTGRES_POSTING)
    failure = bank.get("behavioral.failure")
    assert personalize(failure, profile) == failure
    why = bank.get("behavioral.why-this-role")
    assert personalize(why, PostingProfile(None, None)) == why


def test_why_this_role_ranks_as_matched_when_the_posting_names_the_role(bank):
    profile = analyze_posting(KAFKA_POSTGRES_POSTING)
    reasons = dict((q.id, r) for q, r in rank_questions(bank.questions("general"), profile))
    assert "Senior Backend Engineer" in reasons["behavioral.why-this-role"]


def test_broken_skills_file_names_file_skill_and_field():
    with pytest.raises(BankError, match=r"skills.yaml: skill 'Kafka': field 'tags'"):
        parse_skills("skills.yaml", "skills:\n  - {term: Kafka, tags: queues}\n")
    with pytest.raises(BankError, match=r"skills.yaml: field 'skills'"):
        parse_skills("skills.yaml", "roles: {}\n")


def test_title_line_at_the_top_wins_over_later_phrases():
    posting = (
        "Senior Backend Engineer - Payments (Remote)\n"
        "As a Software Engineer here you will work with Kafka.\n"
        "Acme is hiring across Europe."
    )
    profile = analyze_posting(posting)
    assert profile.role_title == "Senior Backend Engineer"
    assert profile.company == "Acme"


def test_capitalised_words_in_prose_are_not_technologies():
    posting = (
        "In 2020, Microsoft invested in us. Today, Berlin is our home.\n"
        "You will automate infrastructure with Terraform, Ansible and Nomad."
    )
    names = term_names(analyze_posting(posting))
    assert {"Terraform", "Ansible", "Nomad"} <= names
    assert not names & {"Microsoft", "Berlin", "Today", "In"}
