"""The shared vocabulary (rubrics/lexicon.yaml): synonyms, fillers, hedges and verb lists."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from rubrics.model import RubricError
from rubrics.words import normalize_word, phrase_stems, tokenize

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")

Stems = tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    synonym_groups: tuple[tuple[Stems, ...], ...]
    group_of: dict[Stems, int]  # member (as stems) -> index into synonym_groups
    longest_member: int
    filler_sounds: frozenset[str]
    filler_phrases: tuple[tuple[str, ...], ...]  # normalised words
    hedges: tuple[tuple[str, ...], ...]  # normalised words
    irregular_past: frozenset[str]
    stative_past: frozenset[str]
    function_words: frozenset[str]

    def synonyms(self, member: Stems) -> tuple[Stems, ...]:
        index = self.group_of.get(member)
        return (member,) if index is None else self.synonym_groups[index]


def _words(value: object, path: Path, name: str) -> list[str]:
    if not isinstance(value, list):
        raise RubricError(path, "must be a list of strings", field=name)
    for item in value:
        if not isinstance(item, str) or not item.strip():
            hint = " (quote words YAML reads as numbers or yes/no)" if item is not None else ""
            raise RubricError(path, f"{item!r} is not a non-empty string{hint}", field=name)
    return [v.strip() for v in value]


def _norm_phrase(phrase: str) -> tuple[str, ...]:
    return tuple(t.norm for t in tokenize(phrase))


def parse_lexicon(data: object, path: Path) -> Lexicon:
    if not isinstance(data, dict):
        raise RubricError(path, "must be a mapping")
    expected = {
        "synonyms",
        "filler_sounds",
        "filler_phrases",
        "hedges",
        "irregular_past",
        "stative_past",
        "function_words",
    }
    missing = sorted(expected - data.keys())
    unknown = sorted(data.keys() - expected)
    if missing or unknown:
        raise RubricError(path, f"missing keys {missing}, unknown keys {unknown}")
    raw_groups = data["synonyms"]
    if not isinstance(raw_groups, list):
        raise RubricError(path, "must be a list of phrase lists", field="synonyms")
    groups: list[tuple[Stems, ...]] = []
    group_of: dict[Stems, int] = {}
    for number, raw in enumerate(raw_groups, start=1):
        members = _words(raw, path, f"synonyms[{number}]")
        stems: list[Stems] = []
        for phrase in members:
            key = phrase_stems(phrase)
            if not key:
                raise RubricError(path, f"phrase {phrase!r} has no words", field="synonyms")
            if key in group_of:
                raise RubricError(
                    path, f"phrase {phrase!r} is in two synonym groups", field="synonyms"
                )
            if key not in stems:
                stems.append(key)
        for key in stems:
            group_of[key] = len(groups)
        groups.append(tuple(stems))
    irregular = {normalize_word(w) for w in _words(data["irregular_past"], path, "irregular_past")}
    stative = {normalize_word(w) for w in _words(data["stative_past"], path, "stative_past")}
    both = sorted(irregular & stative)
    if both:
        raise RubricError(path, f"words listed as both irregular and stative: {both}")
    return Lexicon(
        synonym_groups=tuple(groups),
        group_of=group_of,
        longest_member=max((len(k) for k in group_of), default=1),
        filler_sounds=frozenset(
            normalize_word(w) for w in _words(data["filler_sounds"], path, "filler_sounds")
        ),
        filler_phrases=tuple(
            _norm_phrase(p) for p in _words(data["filler_phrases"], path, "filler_phrases")
        ),
        hedges=tuple(_norm_phrase(p) for p in _words(data["hedges"], path, "hedges")),
        irregular_past=frozenset(irregular),
        stative_past=frozenset(stative),
        function_words=frozenset(
            normalize_word(w) for w in _words(data["function_words"], path, "function_words")
        ),
    )


@cache
def default_lexicon() -> Lexicon:
    with LEXICON_PATH.open(encoding="utf-8") as handle:
        return parse_lexicon(yaml.safe_load(handle), LEXICON_PATH)
