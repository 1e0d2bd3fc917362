"""Delivery metrics from word timings. Only what can be observed: pace, fillers, pauses, length,
hedging phrases. Nothing here guesses at confidence or nerves."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from rubrics.lexicon import Lexicon, default_lexicon
from rubrics.model import TimedWord
from rubrics.words import normalize_word

LONG_PAUSE_SECONDS = 2.0

# Target answer length in seconds per question type (behavioral answers land best in 1–2 min).
TARGET_SECONDS: dict[str, tuple[int, int]] = {
    "behavioral": (60, 120),
    "technical": (60, 180),
    "system_design": (120, 300),
}
SLOW_WPM = 110
FAST_WPM = 170

# "like" is a filler unless it follows one of these (a verb "I like", "would like", "looks like")
# or precedes "to" ("I'd like to").
_LIKE_NOT_FILLER_AFTER = frozenset(
    {
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "would",
        "i'd",
        "we'd",
        "you'd",
        "they'd",
        "really",
        "don't",
        "didn't",
        "do",
        "does",
        "did",
        "not",
        "look",
        "looks",
        "looked",
        "seem",
        "seems",
        "seemed",
        "feel",
        "feels",
        "felt",
        "sound",
        "sounds",
        "something",
        "anything",
        "nothing",
        "things",
        "stuff",
        "much",
        "more",
        "most",
        "just",
    }
)


def delivery_metrics(
    words: Sequence[TimedWord], question_type: str = "technical"
) -> dict[str, Any]:
    """Pace, fillers, long pauses, length against the target and hedges for one answer."""
    lexicon = default_lexicon()
    norms = [_norm(w.text) for w in words]
    kept = [(w, n) for w, n in zip(words, norms, strict=True) if n]
    target_min, target_max = TARGET_SECONDS.get(question_type, TARGET_SECONDS["technical"])
    if not kept:
        return _empty(target_min, target_max)
    timed = [w for w, _ in kept]
    tokens = [n for _, n in kept]
    duration = max(0.0, max(w.end for w in timed) - min(w.start for w in timed))
    minutes = duration / 60 if duration > 0 else 0.0
    wpm = round(len(tokens) / minutes, 1) if minutes else 0.0
    fillers = _count_fillers(tokens, lexicon)
    filler_total = sum(fillers.values())
    hedges = _count_phrases(tokens, lexicon.hedges)
    return {
        "duration_seconds": round(duration, 1),
        "word_count": len(tokens),
        "words_per_minute": wpm,
        "pace": _pace(wpm),
        "fillers": {
            "total": filler_total,
            "per_minute": round(filler_total / minutes, 1) if minutes else 0.0,
            "counts": fillers,
        },
        "long_pauses": _long_pauses(timed),
        "target": {
            "min_seconds": target_min,
            "max_seconds": target_max,
            "verdict": _verdict(duration, target_min, target_max),
        },
        "hedges": {"total": sum(hedges.values()), "counts": hedges},
    }


def _norm(text: str) -> str:
    return normalize_word(text.strip().strip('.,!?;:"()[]…-—'))


def _empty(target_min: int, target_max: int) -> dict[str, Any]:
    return {
        "duration_seconds": 0.0,
        "word_count": 0,
        "words_per_minute": 0.0,
        "pace": "none",
        "fillers": {"total": 0, "per_minute": 0.0, "counts": {}},
        "long_pauses": [],
        "target": {"min_seconds": target_min, "max_seconds": target_max, "verdict": "short"},
        "hedges": {"total": 0, "counts": {}},
    }


def _pace(wpm: float) -> str:
    if wpm < SLOW_WPM:
        return "slow"
    return "fast" if wpm > FAST_WPM else "steady"


def _verdict(duration: float, target_min: int, target_max: int) -> str:
    if duration < target_min:
        return "short"
    return "long" if duration > target_max else "within"


def _count_fillers(tokens: list[str], lexicon: Lexicon) -> dict[str, int]:
    counts: dict[str, int] = {}
    phrases = sorted((p for p in lexicon.filler_phrases if p != ("like",)), key=len, reverse=True)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        matched = next((p for p in phrases if tuple(tokens[index : index + len(p)]) == p), None)
        if matched:
            key = " ".join(matched)
            counts[key] = counts.get(key, 0) + 1
            index += len(matched)
            continue
        if token in lexicon.filler_sounds or (token == "like" and _like_is_filler(tokens, index)):
            counts[token] = counts.get(token, 0) + 1
        index += 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _like_is_filler(tokens: list[str], index: int) -> bool:
    previous = tokens[index - 1] if index else ""
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    return previous not in _LIKE_NOT_FILLER_AFTER and following != "to"


def _count_phrases(tokens: list[str], phrases: tuple[tuple[str, ...], ...]) -> dict[str, int]:
    ordered = sorted(phrases, key=len, reverse=True)
    counts: dict[str, int] = {}
    index = 0
    while index < len(tokens):
        matched = next((p for p in ordered if tuple(tokens[index : index + len(p)]) == p), None)
        if matched:
            key = " ".join(matched)
            counts[key] = counts.get(key, 0) + 1
            index += len(matched)
        else:
            index += 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _long_pauses(words: list[TimedWord]) -> list[dict[str, Any]]:
    pauses: list[dict[str, Any]] = []
    ordered = sorted(enumerate(words), key=lambda pair: (pair[1].start, pair[0]))
    for (index, word), (_, following) in itertools.pairwise(ordered):
        gap = following.start - word.end
        if gap > LONG_PAUSE_SECONDS:
            pauses.append(
                {
                    "after_word_index": index,
                    "after_word": word.text.strip(),
                    "at_seconds": round(word.end, 2),
                    "seconds": round(gap, 2),
                }
            )
    return pauses
