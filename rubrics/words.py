"""Word-level normalisation: tokens with character offsets, number words and a light stemmer.

The stemmer only has to map word forms of the same word to one key ("limits", "limited",
"limiting" -> "limit"); it is applied to rubric patterns and answers alike, so its stems need not
be real words. Number words become digits so "forty percent" and "40%" compare equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*|%")

NUMBER_WORDS: dict[str, str] = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fourty": "40",
    "fifty": "50",
    "sixty": "60",
    "seventy": "70",
    "eighty": "80",
    "ninety": "90",
    "hundred": "100",
    "thousand": "1000",
    "million": "1000000",
    "billion": "1000000000",
    "percent": "%",
}

# Forms the suffix rules get wrong; mapped straight to the stem of their base word.
_IRREGULAR_STEMS: dict[str, str] = {
    "data": "data",
    "status": "status",
    "redis": "redis",
    "analysis": "analysis",
    "process": "process",
    "kafka": "kafka",
    "always": "always",
    "was": "was",
    "has": "has",
    "does": "does",
    "is": "is",
    "this": "this",
    "its": "its",
    "us": "us",
    "yes": "yes",
    "less": "less",
    "unless": "unless",
    "series": "series",
    "indices": "index",
    "indexes": "index",
    "went": "go",
    "gone": "go",
    "built": "build",
    "rebuilt": "rebuild",
    "wrote": "writ",
    "written": "writ",
    "ran": "run",
    "running": "run",
    "found": "find",
    "took": "tak",
    "taken": "tak",
    "led": "lead",
    "made": "mak",
    "sent": "send",
    "kept": "keep",
    "told": "tell",
    "brought": "bring",
    "chose": "choos",
    "chosen": "choos",
    "gave": "giv",
    "given": "giv",
    "spent": "spend",
    "got": "get",
    "did": "do",
    "done": "do",
    "saw": "see",
    "seen": "see",
    "paid": "pay",
    "lost": "los",
    "broke": "break",
    "broken": "break",
    "fell": "fall",
    "grew": "grow",
    "grown": "grow",
    "held": "hold",
    "heard": "hear",
    "said": "say",
    "taught": "teach",
    "thought": "think",
    "knew": "know",
    "known": "know",
    "learnt": "learn",
    "caught": "catch",
    "stood": "stand",
    "understood": "understand",
    "bought": "buy",
    "sold": "sell",
    "left": "leave",
    "met": "meet",
    "began": "begin",
    "begun": "begin",
    "became": "becom",
    "fed": "feed",
    "read": "read",
    "use": "use",
    "used": "use",
    "uses": "use",
    "using": "use",
    "goes": "go",
    "going": "go",
    "needs": "need",
    "needed": "need",
    "speed": "speed",
    "seed": "seed",
    "feed": "feed",
}


@dataclass(frozen=True)
class Token:
    """One word of an answer: `norm` is lowercased with number words as digits."""

    index: int
    text: str
    norm: str
    stem: str
    start: int
    end: int


def normalize_word(word: str) -> str:
    lowered = word.lower().replace("’", "'")
    return NUMBER_WORDS.get(lowered, lowered)


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """Reduce a lowercased word to a key shared by its inflected forms."""
    w = normalize_word(word)
    if w in _IRREGULAR_STEMS:
        return _IRREGULAR_STEMS[w]
    if len(w) <= 3 or not w.isalpha():
        return w
    if (w.endswith("ies") and len(w) > 4) or (w.endswith("ied") and len(w) > 4):
        w = w[:-3] + "y"
    elif w.endswith("ing") and len(w) > 5:
        w = _undouble(w[:-3])
    elif w.endswith("eed") and len(w) > 4:
        w = w[:-1]
    elif w.endswith("ed") and len(w) > 4:
        w = _undouble(w[:-2])
    elif w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("tion") and len(w) > 6:
        w = w[:-3]
    elif w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def _undouble(w: str) -> str:
    if len(w) >= 3 and w[-1] == w[-2] and w[-1] not in "lszaeiou":
        return w[:-1]
    return w


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(text):
        raw = match.group(0)
        norm = normalize_word(raw)
        tokens.append(
            Token(
                index=len(tokens),
                text=raw,
                norm=norm,
                stem=stem(norm),
                start=match.start(),
                end=match.end(),
            )
        )
    return tokens


def phrase_stems(phrase: str) -> tuple[str, ...]:
    return tuple(t.stem for t in tokenize(phrase))
