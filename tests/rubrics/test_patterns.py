from __future__ import annotations

import pytest

from rubrics.lexicon import default_lexicon
from rubrics.patterns import PatternSyntaxError, compile_pattern, find_matches
from rubrics.words import stem, tokenize


def matches(pattern: str, text: str) -> list[str]:
    compiled = compile_pattern(pattern, default_lexicon())
    words = tokenize(text)
    stems = [w.stem for w in words]
    numbers = [any(c.isdigit() for c in w.norm) for w in words]
    found = find_matches(compiled, stems, numbers)
    return [" ".join(w.text for w in words[m.start : m.end]) for m in found]


@pytest.mark.parametrize(
    "forms",
    [
        ["limit", "limits", "limited", "limiting"],
        ["cache", "caches", "cached", "caching"],
        ["retry", "retries", "retried", "retrying"],
        ["migrate", "migrated", "migrating", "migration"],
        ["agree", "agreed", "agreeing"],
        ["queue", "queues", "queued", "queueing"],
    ],
)
def test_word_forms_share_a_stem(forms: list[str]) -> None:
    assert len({stem(f) for f in forms}) == 1


def test_number_words_and_digits_compare_equal() -> None:
    assert stem("forty") == stem("40")
    assert matches("<num> %", "it dropped forty percent") == ["forty percent"]


def test_alternatives_optional_slots_and_small_gaps() -> None:
    pattern = "(store|persist) (the)? (key|keys) in redis"
    assert matches(pattern, "we persist keys in redis") == ["persist keys in redis"]
    assert matches(pattern, "store the idempotency keys in redis") == [
        "store the idempotency keys in redis"
    ]
    assert matches(pattern, "store them and later the keys are kept somewhere in redis") == []


def test_synonyms_and_known_mishearings_expand() -> None:
    assert matches("idempotency key", "send an eye potency key") == ["eye potency key"]
    assert matches("postgres", "i'd pick posters here") == ["posters"]
    assert matches("per user", "a limit per customer") == ["per customer"]


def test_gaps_do_not_chain_across_a_sentence() -> None:
    assert matches("(hash) (the)? (long)? (url|link)", "a hash map and a doubly linked list") == []
    assert matches("(hash) (the)? (long)? (url|link)", "hash the long url") == ["hash the long url"]


@pytest.mark.parametrize("bad", ["(per user", "per user)", "(optional)? start", "()", "?"])
def test_malformed_patterns_are_rejected(bad: str) -> None:
    with pytest.raises(PatternSyntaxError):
        compile_pattern(bad, default_lexicon())
