from __future__ import annotations

from pathlib import Path

import pytest

from rubrics import RubricError, default_rubrics, load_rubrics

OWNED_TECHNICAL = [
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
]

BASIC = """\
id: demo.rate-limiter
version: 1
kind: concepts
title: Design a rate limiter
criteria:
  - id: scope
    label: Clarifies the scope of the limit
    weight: 2
    patterns: [per user, per ip, per api key]
    followup: Who would the limit apply to?
"""


def write(tmp_path: Path, text: str, name: str = "demo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_rubrics_include_every_owned_rubric() -> None:
    rubrics = default_rubrics()
    for rubric_id in ["star", "pitch", "motivation", *OWNED_TECHNICAL]:
        assert rubric_id in rubrics
    assert [c.id for c in rubrics["star"].criteria] == [
        "situation",
        "task",
        "action",
        "result",
        "reflection",
    ]


def test_star_is_weighted_toward_action_and_result() -> None:
    weights = {c.id: c.weight for c in default_rubrics()["star"].criteria}
    assert weights["action"] > weights["situation"]
    assert weights["result"] > weights["task"]
    assert weights["action"] == max(weights.values())


def test_owned_technical_rubrics_have_followups_for_every_criterion() -> None:
    rubrics = default_rubrics()
    for rubric_id in OWNED_TECHNICAL:
        rubric = rubrics[rubric_id]
        assert rubric.kind == "concepts"
        assert len(rubric.criteria) >= 4
        for criterion in rubric.criteria:
            assert criterion.followup and criterion.followup.endswith("?"), (
                rubric_id,
                criterion.id,
            )
            assert criterion.suggestion, (rubric_id, criterion.id)


def test_rubric_files_live_where_their_id_says(tmp_path: Path) -> None:
    for rubric_id in OWNED_TECHNICAL:
        source = Path(default_rubrics()[rubric_id].source)
        assert source.name == f"{rubric_id}.yaml"
        assert source.parent.name == "backend-engineer"  # one folder per role, as the banks


def test_basic_schema_loads_from_subfolders(tmp_path: Path) -> None:
    (tmp_path / "backend").mkdir()
    write(tmp_path / "backend", BASIC, "demo.rate-limiter.yaml")
    rubrics = load_rubrics(tmp_path)
    rubric = rubrics["demo.rate-limiter"]
    assert rubric.version == 1
    assert rubric.criteria[0].followup == "Who would the limit apply to?"
    assert rubric.criteria[0].patterns == ("per user", "per ip", "per api key")


@pytest.mark.parametrize(
    ("broken", "criterion", "field"),
    [
        (BASIC.replace("weight: 2", "weight: -1"), "scope", "weight"),
        (BASIC.replace("weight: 2", "weight: heavy"), "scope", "weight"),
        (BASIC.replace("    patterns: [per user, per ip, per api key]\n", ""), "scope", "patterns"),
        (BASIC.replace("patterns: [per user,", "patterns: [(per user,"), "scope", "patterns"),
        (BASIC.replace("patterns: [per user,", "patterns: [yes,"), "scope", "patterns"),
        (BASIC.replace("    label: Clarifies the scope of the limit\n", ""), "scope", "label"),
        (BASIC.replace("followup:", "follow_up:"), "scope", "follow_up"),
        (BASIC.replace("version: 1", "version: one"), None, "version"),
        (BASIC.replace("title: Design a rate limiter", "titel: x"), None, "titel"),
    ],
)
def test_invalid_rubric_names_file_criterion_and_field(
    tmp_path: Path, broken: str, criterion: str | None, field: str
) -> None:
    path = write(tmp_path, broken)
    with pytest.raises(RubricError) as caught:
        load_rubrics(tmp_path)
    message = str(caught.value)
    assert str(path) in message
    assert f"field {field!r}" in message
    if criterion:
        assert f"criterion {criterion!r}" in message
    assert caught.value.field == field


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    first = write(tmp_path, BASIC, "a.yaml")
    second = write(tmp_path, BASIC, "b.yaml")
    with pytest.raises(RubricError) as caught:
        load_rubrics(tmp_path)
    assert str(first) in str(caught.value)
    assert str(second) in str(caught.value)


def test_duplicate_criterion_ids_are_rejected(tmp_path: Path) -> None:
    criterion = BASIC.split("criteria:\n", 1)[1]
    write(tmp_path, BASIC + criterion)
    with pytest.raises(RubricError, match="duplicate criterion id"):
        load_rubrics(tmp_path)


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="does not exist"):
        load_rubrics(tmp_path / "nope")
