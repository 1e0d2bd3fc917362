"""Segments of several interviews decoded in one batch get the transcripts they get alone.

The rule: the same words (compared case- and punctuation-blind) and word times within 0.15 s.
On the clips below they come out identical: every prompt is padded to one length, so a batch
decodes each segment exactly as `transcribe` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import pytest
from prometheus_client import REGISTRY

from app.runtime import Speech
from audio.recognizer import Recognizer, Transcript
from tests.audio.support import normalized, words_heard_in_order

pytestmark = pytest.mark.slow

RATE = 16_000
TIME_TOLERANCE_S = 0.15
ASR_BATCH = 6
PAYMENTS = (
    "How would you make a payment API safe to retry? "
    "idempotency key, Postgres, unique index, retries"
)
FAILURE = "Tell me about a time you failed. postmortem, rollback"
# jfk.flac cut at its pauses: "And so, my fellow Americans," / "ask not what your country can do
# for you," / "ask what you can do for your country."
JFK_CUTS = ((0.0, 3.3), (3.3, 8.0), (8.0, 11.0))
STORED_KEY_ANSWER = "We store the idempotency key in Postgres with a unique index."


def assert_same(batched: Transcript, alone: Transcript) -> None:
    assert normalized(batched.text) == normalized(alone.text)
    assert [normalized(w.text) for w in batched.words] == [normalized(w.text) for w in alone.words]
    for got, expected in zip(batched.words, alone.words, strict=True):
        assert got.start == pytest.approx(expected.start, abs=TIME_TOLERANCE_S)
        assert got.end == pytest.approx(expected.end, abs=TIME_TOLERANCE_S)
    assert batched.audio_seconds == alone.audio_seconds


@pytest.fixture(scope="module")
def segments(
    jfk_audio: np.ndarray, speak_16k: Callable[[str], np.ndarray]
) -> list[tuple[np.ndarray, str]]:
    """Real speech cut up, and piper-spoken answers, each with its own question's context."""
    jfk = [(jfk_audio[int(a * RATE) : int(b * RATE)], FAILURE) for a, b in JFK_CUTS]
    spoken = [
        (speak_16k(STORED_KEY_ANSWER), PAYMENTS),
        (speak_16k("So, um, a retry inside the window returns the stored response."), PAYMENTS),
        (speak_16k("I rolled it back within ten minutes and wrote the postmortem."), ""),
    ]
    return [jfk[0], spoken[0], jfk[1], spoken[1], jfk[2], spoken[2]]


@pytest.fixture(scope="module")
def alone(recognizer: Recognizer, segments: list[tuple[np.ndarray, str]]) -> list[Transcript]:
    """Each segment transcribed by itself: what every batched path must give."""
    return [recognizer.transcribe(audio, context) for audio, context in segments]


def test_a_batch_transcribes_each_segment_as_it_is_transcribed_alone(
    recognizer: Recognizer, segments: list[tuple[np.ndarray, str]], alone: list[Transcript]
) -> None:
    for size in (2, 4, 6):
        batched = [
            transcript
            for start in range(0, len(segments), size)
            for transcript in recognizer.transcribe_batch(segments[start : start + size])
        ]
        for got, expected in zip(batched, alone, strict=True):
            print(f"batch of {size}: {got.text!r} / alone: {expected.text!r}")
            assert_same(got, expected)

    joined = normalized(" ".join(t.text for t in alone[0::2]))
    assert "your country can do for you ask what you can do for your country" in joined
    # Real recognition, not the prompt echoed (that would give 5 of the 11 words). Which words
    # come out differs by CPU, as CTranslate2's int8 kernels differ by instruction set: seen are
    # "id potency" for "idempotency", "posters" for "Postgres", "and"/"the" for "in"/"a".
    assert words_heard_in_order(alone[1].text, STORED_KEY_ANSWER) >= 7, alone[1].text


def test_too_short_and_too_long_segments_in_a_batch_get_what_they_get_alone(
    recognizer: Recognizer,
    jfk_audio: np.ndarray,
    segments: list[tuple[np.ndarray, str]],
    alone: list[Transcript],
) -> None:
    """A click is empty and a 33 s answer goes through `transcribe`; the rest still batch."""
    click = np.zeros(int(0.05 * RATE), dtype=np.float32)
    long_answer = np.concatenate([jfk_audio] * 3)
    assert long_answer.size / RATE > 30
    mixed = [segments[0], (click, PAYMENTS), segments[1], (long_answer, FAILURE)]

    batched = recognizer.transcribe_batch(mixed)

    assert batched[1].text == "" and batched[1].words == []
    assert_same(batched[0], alone[0])
    assert_same(batched[2], alone[1])
    assert_same(batched[3], recognizer.transcribe(long_answer, FAILURE))
    assert normalized(batched[3].text).count("fellow americans") >= 2


def batch_sizes() -> tuple[float, float]:
    """(batches run, segments in them) so far, from the process's Prometheus histogram."""
    count = REGISTRY.get_sample_value("viva_asr_batch_size_count") or 0.0
    total = REGISTRY.get_sample_value("viva_asr_batch_size_sum") or 0.0
    return count, total


async def test_interviews_waiting_together_share_a_batch_and_each_gets_its_own_words(
    recognizer: Recognizer, segments: list[tuple[np.ndarray, str]], alone: list[Transcript]
) -> None:
    """What the server does when several candidates finish at once: one recognizer thread,
    the waiting segments decoded together, every caller handed its own transcript."""
    speech = Speech(recognizer=recognizer, synthesizer=None, asr_batch=ASR_BATCH, asr_queue_max=8)
    batches_before, segments_before = batch_sizes()
    try:
        results = await asyncio.gather(
            *(speech.run_asr(recognizer.transcribe, audio, ctx) for audio, ctx in segments)
        )
    finally:
        speech.close()
    batches_after, segments_after = batch_sizes()
    batches, decoded = batches_after - batches_before, segments_after - segments_before

    assert decoded == len(segments)
    assert batches < len(segments), "no two segments were decoded together"
    for got, expected in zip(results, alone, strict=True):
        assert_same(got, expected)
