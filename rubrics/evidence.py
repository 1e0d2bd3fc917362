"""Phrase evidence: which clauses of an answer match which criterion's patterns."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rubrics.analysis import Answer, Clause
from rubrics.lexicon import Lexicon, default_lexicon
from rubrics.model import Criterion, Rubric
from rubrics.patterns import Pattern, compile_pattern, could_match, find_matches

# Words too common in answers to show that an answer is about a particular topic.
_GENERIC_TOPIC_WORDS = frozenset(
    {
        "use",
        "need",
        "want",
        "would",
        "tell",
        "time",
        "talk",
        "walk",
        "describe",
        "explain",
        "give",
        "example",
        "design",
        "something",
        "think",
        "know",
        "say",
        "see",
        "look",
        "work",
        "good",
        "new",
        "1",
        "<num>",
        "someth",
        "whi",
    }
)


@dataclass(frozen=True)
class CompiledCriterion:
    criterion: Criterion
    patterns: tuple[Pattern, ...]
    groups: tuple[tuple[Pattern, ...], ...]
    exclude: tuple[Pattern, ...]


@dataclass(frozen=True)
class CompiledRubric:
    rubric: Rubric
    criteria: tuple[CompiledCriterion, ...]
    penalties: tuple[tuple[Pattern, ...], ...]  # parallel to rubric.avoid
    topic_stems: frozenset[str]


@dataclass(frozen=True)
class Hit:
    """One pattern matched in one clause; `group` is -1 for `patterns`, else an all_of index."""

    pattern: str
    group: int
    clause: int
    start: int  # character offsets of the matched words
    end: int


@lru_cache(maxsize=512)
def compile_rubric(rubric: Rubric) -> CompiledRubric:
    lexicon = default_lexicon()

    def compile_all(phrases: tuple[str, ...]) -> tuple[Pattern, ...]:
        return tuple(compile_pattern(p, lexicon) for p in phrases)

    criteria = tuple(
        CompiledCriterion(
            criterion=c,
            patterns=compile_all(c.patterns),
            groups=tuple(compile_all(g) for g in c.all_of),
            exclude=compile_all(c.exclude),
        )
        for c in rubric.criteria
    )
    topic: set[str] = set()
    for phrase in (rubric.title, *rubric.topic_terms):
        topic.update(_content_stems(phrase, lexicon))
    if rubric.kind != "star":
        for c in criteria:
            for pattern in (*c.patterns, *(p for g in c.groups for p in g)):
                for slot in pattern.slots:
                    for alt in slot:
                        topic.update(s for s in alt if _is_topic_stem(s, lexicon))
    return CompiledRubric(
        rubric=rubric,
        criteria=criteria,
        penalties=tuple(compile_all(p.patterns) for p in rubric.avoid),
        topic_stems=frozenset(topic),
    )


def content_stems(text: str) -> frozenset[str]:
    return frozenset(_content_stems(text, default_lexicon()))


def _content_stems(text: str, lexicon: Lexicon) -> set[str]:
    from rubrics.words import tokenize

    return {t.stem for t in tokenize(text) if _is_topic_stem(t.stem, lexicon, t.norm)}


def _is_topic_stem(stem: str, lexicon: Lexicon, norm: str | None = None) -> bool:
    word = norm if norm is not None else stem
    return (
        len(stem) > 2
        and word not in lexicon.function_words
        and stem not in lexicon.function_words
        and stem not in _GENERIC_TOPIC_WORDS
        and word not in _GENERIC_TOPIC_WORDS
        and not stem.isdigit()
    )


def find_hits(patterns: tuple[Pattern, ...], clause: Clause, group: int = -1) -> list[Hit]:
    hits: list[Hit] = []
    for pattern in patterns:
        if not could_match(pattern, clause.stem_set, clause.has_number):
            continue
        for match in find_matches(pattern, clause.stems, clause.numbers):
            hits.append(
                Hit(
                    pattern=pattern.source,
                    group=group,
                    clause=clause.index,
                    start=clause.words[match.start].start,
                    end=clause.words[match.end - 1].end,
                )
            )
    return hits


def criterion_hits(compiled: CompiledCriterion, answer: Answer) -> list[Hit]:
    """Pattern hits for one criterion, skipping clauses that say "I don't know" or are excluded."""
    hits: list[Hit] = []
    for clause in answer.clauses:
        if clause.ignorance:
            continue
        if compiled.exclude and find_hits(compiled.exclude, clause):
            continue
        hits.extend(find_hits(compiled.patterns, clause))
        for index, group in enumerate(compiled.groups):
            hits.extend(find_hits(group, clause, index))
    return hits


def phrase_score(compiled: CompiledCriterion, hits: list[Hit]) -> float:
    """Share of the criterion's evidence found: distinct phrases against min_matches, and each
    all_of group counted once."""
    parts: list[float] = []
    if compiled.patterns:
        distinct = len({h.pattern for h in hits if h.group == -1})
        parts.append(min(1.0, distinct / compiled.criterion.min_matches))
    for index in range(len(compiled.groups)):
        parts.append(1.0 if any(h.group == index for h in hits) else 0.0)
    return sum(parts) / len(parts) if parts else 0.0
