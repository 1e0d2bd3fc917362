"""Phrase patterns: compiled once per rubric, matched against the stems of one clause.

Syntax of a pattern (plain phrases are the common case):
- words are compared after stemming, so "limit" also matches "limits", "limited", "limiting";
- `(a|b c|)` is one slot with alternatives; an empty alternative (or `(a|b)?`) makes it optional;
- `<num>` matches any number ("40", "forty", "two", "half", "twice");
- every word or phrase that belongs to a synonym group in lexicon.yaml matches the whole group;
- up to MAX_GAP other words in all may sit between the slots of one match ("keys are stored"
  matches "key stored"), so small paraphrases do not break a match while far-apart words do not
  combine into one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rubrics.lexicon import Lexicon
from rubrics.words import phrase_stems

MAX_GAP = 2
NUM = "<num>"

_PART_RE = re.compile(r"\(([^()]*)\)(\?)?|<num>|[^\s()<>?]+|[()<>?]")

Alternative = tuple[str, ...]
Slot = tuple[Alternative, ...]


class PatternSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Pattern:
    source: str
    slots: tuple[Slot, ...]
    first_stems: frozenset[str]  # stems a match can start with (NUM included when it can)


@dataclass(frozen=True)
class Match:
    pattern: str
    start: int  # index into the clause's word list
    end: int  # exclusive


def compile_pattern(source: str, lexicon: Lexicon) -> Pattern:
    slots: list[Slot] = []
    plain_run: list[str] = []

    def flush() -> None:
        slots.extend(_expand_run(plain_run, lexicon))
        plain_run.clear()

    for part in _PART_RE.finditer(source):
        text = part.group(0)
        if part.group(1) is not None:
            flush()
            alternatives: list[Alternative] = []
            raw_alternatives = part.group(1).split("|") + ([""] if part.group(2) else [])
            for alt in raw_alternatives:
                stems = phrase_stems(alt)
                for expanded in lexicon.synonyms(stems) if stems else ((),):
                    if expanded not in alternatives:
                        alternatives.append(expanded)
            slots.append(_longest_first(alternatives))
        elif text == NUM:
            flush()
            slots.append(((NUM,),))
        elif text in "()<>?":
            raise PatternSyntaxError(f"unbalanced {text!r} in pattern {source!r}")
        else:
            plain_run.extend(phrase_stems(text))
    flush()
    if not slots:
        raise PatternSyntaxError(f"pattern {source!r} has no words")
    if any(alt == () for alt in slots[0]):
        raise PatternSyntaxError(f"pattern {source!r} starts with an optional group")
    if all(alt == () for slot in slots for alt in slot):
        raise PatternSyntaxError(f"pattern {source!r} has no words")
    first = frozenset(alt[0] for alt in slots[0])
    return Pattern(source=source, slots=tuple(slots), first_stems=first)


def _expand_run(stems: Sequence[str], lexicon: Lexicon) -> list[Slot]:
    slots: list[Slot] = []
    i = 0
    while i < len(stems):
        for length in range(min(lexicon.longest_member, len(stems) - i), 0, -1):
            key = tuple(stems[i : i + length])
            if key in lexicon.group_of:
                slots.append(_longest_first(lexicon.synonyms(key)))
                i += length
                break
        else:
            slots.append(((stems[i],),))
            i += 1
    return slots


def _longest_first(alternatives: Sequence[Alternative]) -> Slot:
    # Longest alternative first, so evidence spans cover "ip address" rather than "ip".
    return tuple(sorted(alternatives, key=lambda alt: -len(alt)))


def find_matches(pattern: Pattern, stems: Sequence[str], numbers: Sequence[bool]) -> list[Match]:
    """All non-overlapping matches of `pattern` in one clause, leftmost first."""
    matches: list[Match] = []
    position = 0
    while position < len(stems):
        end = _match_slots(pattern.slots, 0, stems, numbers, position, MAX_GAP, first=True)
        if end is None:
            position += 1
            continue
        matches.append(Match(pattern.source, position, end))
        position = end
    return matches


def could_match(pattern: Pattern, stem_set: frozenset[str], has_number: bool) -> bool:
    if NUM in pattern.first_stems and has_number:
        return True
    return not pattern.first_stems.isdisjoint(stem_set)


def _match_slots(
    slots: tuple[Slot, ...],
    index: int,
    stems: Sequence[str],
    numbers: Sequence[bool],
    position: int,
    budget: int,
    *,
    first: bool = False,
) -> int | None:
    if index == len(slots):
        return position
    max_gap = 0 if first else budget
    for gap in range(max_gap + 1):
        start = position + gap
        if start > len(stems):
            break
        for alt in slots[index]:
            if not alt:
                if gap:
                    continue
                end = _match_slots(slots, index + 1, stems, numbers, position, budget)
            elif _alt_at(alt, stems, numbers, start):
                end = _match_slots(slots, index + 1, stems, numbers, start + len(alt), budget - gap)
            else:
                continue
            if end is not None:
                return end
    return None


def _alt_at(alt: Alternative, stems: Sequence[str], numbers: Sequence[bool], start: int) -> bool:
    if start + len(alt) > len(stems):
        return False
    for offset, expected in enumerate(alt):
        if expected == NUM:
            if not numbers[start + offset]:
                return False
        elif stems[start + offset] != expected:
            return False
    return True
