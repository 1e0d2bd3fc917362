"""An answer cut into clauses, with the sentence-level facts the scorer needs.

Transcripts have little punctuation, so clauses are cut at punctuation and also at spoken
discourse markers ("so", "and then", "after that", "um") and where a new first-person subject
starts ("... within twenty minutes i wrote ..."). Filler sounds are dropped from the words that
patterns see but stay in the original text, so evidence offsets always point into the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rubrics.lexicon import Lexicon
from rubrics.words import Token, tokenize

_HARD_BREAK_RE = re.compile(r"[.!?;:\n—–]|\s-\s")
_MIN_CLAUSE_WORDS = 3

_SINGLE_MARKERS = frozenset(
    {"so", "then", "but", "eventually", "finally", "afterwards", "afterward", "later", "ok", "okay"}
)
_MULTI_MARKERS: tuple[tuple[str, ...], ...] = (
    ("and", "then"),
    ("and", "so"),
    ("and", "eventually"),
    ("after", "that"),
    ("in", "the", "end"),
    ("as", "a", "result"),
    ("since", "then"),
    ("what", "i", "learned"),
    ("the", "lesson"),
    ("looking", "back"),
    ("in", "hindsight"),
    ("next", "time"),
    ("the", "next", "day"),
    ("and", "if"),
    ("and", "when"),
    ("and", "once"),
    ("and", "otherwise"),
)
_SUBJECTS = frozenset({"i", "we", "it", "they", "he", "she", "nobody", "everyone", "everything"})
# A first-person subject after one of these words continues the clause instead of opening one.
_BINDING_WORDS = frozenset(
    {
        "and",
        "or",
        "that",
        "which",
        "what",
        "where",
        "when",
        "so",
        "because",
        "if",
        "as",
        "than",
        "how",
        "who",
        "me",
        "whether",
        "until",
        "before",
        "after",
        "while",
        "once",
        "since",
        "but",
        "then",
    }
)
_ADVERBS = frozenset(
    {
        "just",
        "also",
        "then",
        "quickly",
        "immediately",
        "first",
        "finally",
        "eventually",
        "actually",
        "basically",
        "personally",
        "myself",
        "ourselves",
        "really",
        "kind",
        "sort",
        "of",
        "right",
        "all",
        "both",
        "together",
        "initially",
        "instead",
        "literally",
        "manually",
        "quietly",
        "carefully",
        "like",
        "once",
        "accidentally",
        "recently",
        "originally",
        "later",
        "still",
        "successfully",
    }
)
_NEGATIONS = frozenset(
    {"didn't", "never", "not", "couldn't", "wasn't", "don't", "can't", "won't", "hadn't", "no"}
)
_NOT_VERBS = frozenset(
    {"need", "speed", "seed", "feed", "bed", "red", "based", "related", "detailed", "limited"}
)
_UNITS = frozenset(
    {
        "ms",
        "millisecond",
        "milliseconds",
        "second",
        "seconds",
        "minute",
        "minutes",
        "hour",
        "hours",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "quarter",
        "year",
        "years",
        "%",
        "x",
        "times",
    }
)
_QUANTITY_WORDS = frozenset(
    {"half", "halved", "double", "doubled", "twice", "triple", "tripled", "dozen", "dozens", "%"}
)
_IGNORANCE = (
    ("don't", "know"),
    ("do", "not", "know"),
    ("no", "idea"),
    ("not", "sure"),
    ("never", "heard"),
    ("not", "familiar"),
    ("no", "clue"),
)


@dataclass(frozen=True)
class Clause:
    index: int
    start: int  # character offsets into the answer, fillers at the edges trimmed
    end: int
    words: tuple[Token, ...]  # without filler sounds
    stems: tuple[str, ...]
    numbers: tuple[bool, ...]  # per word: is it a quantity
    stem_set: frozenset[str]
    i_actions: int  # "I <past-tense action verb>"
    we_actions: int  # "we <past-tense action verb>"
    past_tense: bool  # any past-tense verb, stative included
    ignorance: bool  # "I don't know", "no idea", ...

    @property
    def has_number(self) -> bool:
        return any(self.numbers)


@dataclass(frozen=True)
class Answer:
    text: str
    tokens: tuple[Token, ...]  # every word, fillers included
    words: tuple[Token, ...]  # without filler sounds
    clauses: tuple[Clause, ...]

    @property
    def word_count(self) -> int:
        return len(self.words)


def analyze(text: str, lexicon: Lexicon) -> Answer:
    tokens = tokenize(text)
    groups = _split_clauses(text, tokens, lexicon)
    clauses = tuple(_clause(i, group, lexicon) for i, group in enumerate(groups))
    words = tuple(t for t in tokens if t.norm not in lexicon.filler_sounds)
    return Answer(text=text, tokens=tuple(tokens), words=words, clauses=clauses)


def is_quantity(tokens: list[Token] | tuple[Token, ...], index: int) -> bool:
    norm = tokens[index].norm
    if any(c.isdigit() for c in norm):
        return norm != "1" or _unit_follows(tokens, index)
    if norm in _QUANTITY_WORDS:
        return True
    return norm in {"a", "an"} and _unit_follows(tokens, index)


def _unit_follows(tokens: list[Token] | tuple[Token, ...], index: int) -> bool:
    return index + 1 < len(tokens) and tokens[index + 1].norm in _UNITS


def _split_clauses(text: str, tokens: list[Token], lexicon: Lexicon) -> list[list[Token]]:
    sentences: list[list[Token]] = []
    for token in tokens:
        if sentences and sentences[-1]:
            gap = text[sentences[-1][-1].end : token.start]
            if _HARD_BREAK_RE.search(gap):
                sentences.append([])
        elif not sentences:
            sentences.append([])
        sentences[-1].append(token)
    clauses: list[list[Token]] = []
    for sentence in sentences:
        current: list[Token] = []
        for position, token in enumerate(sentence):
            content = [t for t in current if t.norm not in lexicon.filler_sounds]
            remaining = len(sentence) - position
            if (
                len(content) >= _MIN_CLAUSE_WORDS
                and remaining >= 2
                and _opens_clause(sentence, position, lexicon)
            ):
                clauses.append(current)
                current = []
            current.append(token)
        if current:
            clauses.append(current)
    return _merge_short(clauses, lexicon)


def _opens_clause(sentence: list[Token], position: int, lexicon: Lexicon) -> bool:
    norm = sentence[position].norm
    previous = sentence[position - 1].norm if position else ""
    following = tuple(t.norm for t in sentence[position : position + 3])
    if norm in lexicon.filler_sounds and previous not in lexicon.filler_sounds:
        return True
    if norm in _SINGLE_MARKERS:
        return True
    if any(following[: len(marker)] == marker for marker in _MULTI_MARKERS):
        return True
    if norm == "and" and len(following) > 1 and following[1] in _SUBJECTS:
        return True
    return (
        norm in {"i", "we", "i'd", "we'd", "i'll", "we'll"}
        and previous not in _BINDING_WORDS
        and previous not in lexicon.filler_sounds
    )


def _merge_short(clauses: list[list[Token]], lexicon: Lexicon) -> list[list[Token]]:
    merged: list[list[Token]] = []
    for clause in clauses:
        content = [t for t in clause if t.norm not in lexicon.filler_sounds]
        if merged and len(content) < _MIN_CLAUSE_WORDS:
            merged[-1].extend(clause)
        else:
            merged.append(list(clause))
    if len(merged) > 1:
        first = [t for t in merged[0] if t.norm not in lexicon.filler_sounds]
        if len(first) < _MIN_CLAUSE_WORDS:
            merged[1] = merged[0] + merged[1]
            merged.pop(0)
    return [c for c in merged if any(t.norm not in lexicon.filler_sounds for t in c)]


_DANGLING = frozenset({"and", "or", "so", "but", "because", "then"})


def _clause(index: int, tokens: list[Token], lexicon: Lexicon) -> Clause:
    words = tuple(t for t in tokens if t.norm not in lexicon.filler_sounds)
    shown = list(words)
    while len(shown) > 1 and shown[-1].norm in _DANGLING:
        shown.pop()
    while len(shown) > 1 and shown[0].norm in _DANGLING:
        shown.pop(0)
    numbers = tuple(is_quantity(words, i) for i in range(len(words)))
    norms = [w.norm for w in words]
    i_actions, we_actions = _count_actions(norms, lexicon)
    return Clause(
        index=index,
        start=shown[0].start,
        end=shown[-1].end,
        words=words,
        stems=tuple(w.stem for w in words),
        numbers=numbers,
        stem_set=frozenset(w.stem for w in words),
        i_actions=i_actions,
        we_actions=we_actions,
        past_tense=any(_is_past(n, lexicon) or n in lexicon.stative_past for n in norms),
        ignorance=any(_contains(norms, phrase) for phrase in _IGNORANCE),
    )


def _is_past(norm: str, lexicon: Lexicon) -> bool:
    if norm in lexicon.irregular_past:
        return True
    return (
        len(norm) >= 5
        and norm.endswith("ed")
        and norm.isalpha()
        and norm not in _NOT_VERBS
        and not norm.endswith("eed")
    )


def is_action_verb(norm: str, lexicon: Lexicon) -> bool:
    return _is_past(norm, lexicon) and norm not in lexicon.stative_past


def _count_actions(norms: list[str], lexicon: Lexicon) -> tuple[int, int]:
    counts = {"i": 0, "we": 0}
    for position, norm in enumerate(norms):
        if norm not in counts:
            continue
        for following in norms[position + 1 : position + 5]:
            if following in _NEGATIONS:
                break
            if following in _ADVERBS:
                continue
            able = following in {"was", "were"} and _able_to(norms, position)
            if able or is_action_verb(following, lexicon):
                counts[norm] += 1
            break
    return counts["i"], counts["we"]


def _able_to(norms: list[str], position: int) -> bool:
    return tuple(norms[position + 2 : position + 4]) == ("able", "to")


def _contains(norms: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(norms[i : i + size]) == phrase for i in range(len(norms) - size + 1))
