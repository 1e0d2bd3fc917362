"""Load and validate rubric files (rubrics/data/**/*.yaml)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

from rubrics.lexicon import default_lexicon
from rubrics.model import DETECTORS, Criterion, Penalty, Rubric, RubricError
from rubrics.patterns import PatternSyntaxError, compile_pattern

DATA_DIR = Path(__file__).with_name("data")

_RUBRIC_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_CRITERION_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TOP_KEYS = {"id", "version", "kind", "title", "criteria", "avoid", "topic_terms", "description"}
_CRITERION_KEYS = {
    "id",
    "label",
    "weight",
    "patterns",
    "followup",
    "followups",
    "all_of",
    "min_matches",
    "threshold",
    "exclude",
    "detector",
    "heading",
    "prompt",
    "suggestion",
}
_PENALTY_KEYS = {"id", "label", "patterns", "points", "suggestion"}


def load_rubrics(directory: Path | None = None) -> dict[str, Rubric]:
    """Every rubric under `directory` (default rubrics/data), keyed by id, validated."""
    root = DATA_DIR if directory is None else Path(directory)
    if not root.is_dir():
        raise RubricError(root, "rubric directory does not exist")
    rubrics: dict[str, Rubric] = {}
    sources: dict[str, Path] = {}
    paths = sorted([*root.rglob("*.yaml"), *root.rglob("*.yml")])
    for path in paths:
        rubric = load_rubric_file(path)
        if rubric.id in rubrics:
            raise RubricError(
                path, f"rubric id {rubric.id!r} is already used by {sources[rubric.id]}"
            )
        rubrics[rubric.id] = rubric
        sources[rubric.id] = path
    return rubrics


@cache
def default_rubrics() -> dict[str, Rubric]:
    """The bundled rubrics, loaded once per process. Treat the result as read-only."""
    return load_rubrics()


def load_rubric_file(path: Path) -> Rubric:
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        raise RubricError(path, f"not valid YAML: {error}") from error
    return parse_rubric(data, path)


def parse_rubric(data: object, path: Path | str) -> Rubric:
    if not isinstance(data, Mapping):
        raise RubricError(path, "a rubric file must be a mapping")
    _reject_unknown(data, _TOP_KEYS, path, None)
    rubric_id = _text(data, "id", path, None)
    if not _RUBRIC_ID_RE.match(rubric_id):
        raise RubricError(path, "use lowercase letters, digits, '.', '-' or '_'", field="id")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RubricError(path, "must be a whole number of at least 1", field="version")
    raw_criteria = data.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise RubricError(path, "must be a non-empty list", field="criteria")
    criteria: list[Criterion] = []
    for number, raw in enumerate(raw_criteria, start=1):
        criterion = _parse_criterion(raw, path, number)
        if any(c.id == criterion.id for c in criteria):
            raise RubricError(path, "duplicate criterion id", criterion=criterion.id, field="id")
        criteria.append(criterion)
    raw_avoid = data.get("avoid", [])
    if not isinstance(raw_avoid, list):
        raise RubricError(path, "must be a list", field="avoid")
    return Rubric(
        id=rubric_id,
        version=version,
        kind=_text(data, "kind", path, None),
        title=_text(data, "title", path, None),
        criteria=tuple(criteria),
        avoid=tuple(_parse_penalty(raw, path, n) for n, raw in enumerate(raw_avoid, start=1)),
        topic_terms=_phrases(data, "topic_terms", path, None, required=False),
        source=str(path),
    )


def _parse_criterion(raw: object, path: Path | str, number: int) -> Criterion:
    if not isinstance(raw, Mapping):
        raise RubricError(path, f"criterion #{number} must be a mapping", field="criteria")
    name = raw.get("id") if isinstance(raw.get("id"), str) else f"#{number}"
    _reject_unknown(raw, _CRITERION_KEYS, path, name)
    criterion_id = _text(raw, "id", path, name)
    if not _CRITERION_ID_RE.match(criterion_id):
        raise RubricError(
            path, "use lowercase letters, digits, '-' or '_'", criterion=name, field="id"
        )
    weight = raw.get("weight")
    if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
        raise RubricError(path, "must be a positive number", criterion=name, field="weight")
    detector = raw.get("detector")
    if detector is not None and detector not in DETECTORS:
        raise RubricError(
            path, f"must be one of {list(DETECTORS)}", criterion=name, field="detector"
        )
    raw_groups = raw.get("all_of", [])
    if not isinstance(raw_groups, list):
        raise RubricError(path, "must be a list of phrase lists", criterion=name, field="all_of")
    all_of = tuple(
        _phrases({"all_of": group}, "all_of", path, name, required=True) for group in raw_groups
    )
    patterns = _phrases(raw, "patterns", path, name, required=detector is None and not all_of)
    followups = _phrases(raw, "followups", path, name, required=False)
    if "followup" in raw:
        followups = (_text(raw, "followup", path, name), *followups)
    min_matches = raw.get("min_matches", 1)
    if not isinstance(min_matches, int) or isinstance(min_matches, bool) or min_matches < 1:
        raise RubricError(path, "must be a whole number >= 1", criterion=name, field="min_matches")
    threshold = raw.get("threshold", 0.5)
    if not isinstance(threshold, int | float) or not 0 < threshold <= 1:
        raise RubricError(path, "must be a number in (0, 1]", criterion=name, field="threshold")
    exclude = _phrases(raw, "exclude", path, name, required=False)
    return Criterion(
        id=criterion_id,
        label=_text(raw, "label", path, name),
        weight=float(weight),
        patterns=patterns,
        followups=followups,
        all_of=all_of,
        min_matches=min_matches,
        threshold=float(threshold),
        exclude=exclude,
        detector=detector,
        heading=_text(raw, "heading", path, name, required=False),
        prompt=_text(raw, "prompt", path, name, required=False),
        suggestion=_text(raw, "suggestion", path, name, required=False),
    )


def _parse_penalty(raw: object, path: Path | str, number: int) -> Penalty:
    if not isinstance(raw, Mapping):
        raise RubricError(path, f"entry #{number} must be a mapping", field="avoid")
    name = f"avoid:{raw.get('id', number)}"
    _reject_unknown(raw, _PENALTY_KEYS, path, name)
    points = raw.get("points")
    if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= 50:
        raise RubricError(
            path, "must be a whole number from 1 to 50", criterion=name, field="points"
        )
    return Penalty(
        id=_text(raw, "id", path, name),
        label=_text(raw, "label", path, name),
        patterns=_phrases(raw, "patterns", path, name, required=True),
        points=points,
        suggestion=_text(raw, "suggestion", path, name),
    )


def _reject_unknown(
    data: Mapping[object, object], allowed: set[str], path: Path | str, criterion: str | None
) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise RubricError(
            path,
            f"unknown key(s) {unknown}; allowed: {sorted(allowed)}",
            criterion=criterion,
            field=unknown[0],
        )


def _text(
    data: Mapping[object, object],
    key: str,
    path: Path | str,
    criterion: str | None,
    *,
    required: bool = True,
) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise RubricError(path, "must be a non-empty string", criterion=criterion, field=key)
    return value.strip()


def _phrases(
    data: Mapping[object, object],
    key: str,
    path: Path | str,
    criterion: str | None,
    *,
    required: bool,
) -> tuple[str, ...]:
    value = data.get(key)
    if value is None and not required:
        return ()
    if not isinstance(value, list) or (required and not value):
        raise RubricError(
            path, "must be a non-empty list of phrases", criterion=criterion, field=key
        )
    lexicon = default_lexicon()
    phrases: list[str] = []
    for item in value:
        if not isinstance(item, str | int) or isinstance(item, bool) or not str(item).strip():
            raise RubricError(
                path,
                f"{item!r} is not a phrase (quote words YAML reads as yes/no or numbers)",
                criterion=criterion,
                field=key,
            )
        phrase = str(item).strip()
        try:
            compile_pattern(phrase, lexicon)
        except PatternSyntaxError as error:
            raise RubricError(path, str(error), criterion=criterion, field=key) from error
        phrases.append(phrase)
    return tuple(phrases)
