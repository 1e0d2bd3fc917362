"""Sentence splitting, the speech cache, and the real piper voice."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from audio.codecs import pcm16_to_float, resample
from audio.errors import ModelUnavailableError
from audio.recognizer import Recognizer
from audio.synthesizer import SpeechCache, Synthesizer, split_sentences
from tests.audio.support import normalized

PROMPT = (
    "Thanks, that was helpful. Let's move on. "
    "How would you make a payment API safe to retry, e.g. after a timeout?"
)


def test_sentences_split_on_terminal_punctuation_and_newlines() -> None:
    text = 'Hello there.  Is 3.5 enough?! Dr. Smith said "yes." Then\nno more'

    assert split_sentences(text) == [
        "Hello there.",
        "Is 3.5 enough?!",
        'Dr. Smith said "yes."',
        "Then",
        "no more",
    ]
    assert split_sentences("   ") == []
    assert split_sentences(PROMPT)[-1].endswith("e.g. after a timeout?")


def test_cache_evicts_least_recently_used_within_the_byte_budget() -> None:
    cache = SpeechCache(max_bytes=10)
    cache.put(("v", "a"), b"1234")
    cache.put(("v", "b"), b"5678")
    assert cache.get(("v", "a")) == b"1234"  # now "b" is the least recently used

    cache.put(("v", "c"), b"90ab")

    assert ("v", "b") not in cache
    assert cache.get(("v", "a")) == b"1234"
    assert cache.get(("v", "c")) == b"90ab"
    assert cache.bytes_used == 8
    assert (cache.hits, cache.misses) == (3, 0)


def test_cache_skips_entries_larger_than_the_budget_and_replaces_keys() -> None:
    cache = SpeechCache(max_bytes=4)
    cache.put(("v", "big"), b"12345")
    cache.put(("v", "x"), b"12")
    cache.put(("v", "x"), b"1234")

    assert cache.get(("v", "big")) is None
    assert cache.get(("v", "x")) == b"1234"
    assert cache.bytes_used == 4
    assert len(cache) == 1


# --- real voice -------------------------------------------------------------------------------


@pytest.mark.slow
def test_voice_speaks_the_text_at_its_rate(
    synthesizer: Synthesizer, recognizer: Recognizer
) -> None:
    started = time.perf_counter()
    pcm = synthesizer.synthesize(PROMPT)
    elapsed = time.perf_counter() - started
    seconds = synthesizer.seconds(pcm)
    print(f"piper: {seconds:.2f} s of speech in {elapsed:.2f} s (RTF {elapsed / seconds:.3f})")

    assert synthesizer.sample_rate == 22050
    assert synthesizer.voice_id == "en_US-joe-medium"
    assert len(pcm) % 2 == 0
    assert 4.0 < seconds < 12.0  # ~20 words
    heard = recognizer.transcribe(resample(pcm16_to_float(pcm), 22050, 16000))
    text = normalized(heard.text)
    assert "that was helpful" in text
    assert "how would you make a payment api safe" in text


@pytest.mark.slow
def test_stream_yields_one_chunk_per_sentence(synthesizer: Synthesizer) -> None:
    chunks = list(synthesizer.stream(PROMPT))

    assert len(chunks) == len(split_sentences(PROMPT)) == 3
    assert all(len(chunk) > 0.3 * 2 * synthesizer.sample_rate for chunk in chunks)
    assert synthesizer.synthesize_cached(PROMPT) == b"".join(chunks)


@pytest.mark.slow
def test_cache_hit_returns_identical_audio_much_faster(fresh_synthesizer: Synthesizer) -> None:
    synthesizer = fresh_synthesizer
    text = "Tell me about a time you disagreed with a teammate. What did you do?"

    started = time.perf_counter()
    first = synthesizer.synthesize_cached(text)
    miss_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = synthesizer.synthesize_cached(text)
    hit_seconds = time.perf_counter() - started
    print(f"synthesize_cached: miss {miss_seconds * 1000:.0f} ms, hit {hit_seconds * 1000:.3f} ms")

    assert second == first
    assert synthesizer.synthesize(text) != first  # piper is not deterministic: a real hit
    assert hit_seconds < miss_seconds / 20


@pytest.mark.slow
def test_prefetch_fills_the_cache_ahead_of_time(fresh_synthesizer: Synthesizer) -> None:
    synthesizer = fresh_synthesizer
    texts = ["Great, thank you.", "Why did you choose that design? Walk me through it."]

    new_sentences = synthesizer.prefetch(texts)
    misses = synthesizer.cache.misses
    for text in texts:
        synthesizer.synthesize_cached(text)

    assert new_sentences == 3
    assert synthesizer.prefetch(texts) == 0
    assert synthesizer.cache.misses == misses


@pytest.mark.slow
def test_concurrent_prefetch_and_playback_agree_on_the_audio(
    fresh_synthesizer: Synthesizer,
) -> None:
    synthesizer = fresh_synthesizer
    text = "What would you monitor in production? Which alerts would wake you up?"
    background = threading.Thread(target=synthesizer.prefetch, args=([text],))

    background.start()
    spoken = synthesizer.synthesize_cached(text)
    background.join()

    assert synthesizer.synthesize_cached(text) == spoken
    assert len(synthesizer.cache) == 2


@pytest.mark.slow
def test_missing_voice_fails_clearly() -> None:
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        Synthesizer.load("/nonexistent/voice.onnx")


@pytest.mark.slow
def test_empty_text_gives_no_audio(synthesizer: Synthesizer) -> None:
    assert synthesizer.synthesize("  ") == b""
    assert list(synthesizer.stream("")) == []
    assert np.frombuffer(synthesizer.synthesize_cached(""), dtype="<i2").size == 0
