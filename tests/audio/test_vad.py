"""StreamingVad with the real Silero model, and the full VAD -> segmenter path on a real voice."""

from __future__ import annotations

import time

import numpy as np
import pytest

from audio.turns import AnswerEnded, AnswerSegmenter, SegmentClosed, SpeechStarted
from audio.vad import WINDOW_SAMPLES, StreamingVad, load_silero

CHUNK_20_MS = 320


def in_chunks(vad: StreamingVad, audio: np.ndarray, chunk: int) -> list[float]:
    probs: list[float] = []
    for start in range(0, audio.size, chunk):
        probs.extend(vad.probabilities(audio[start : start + chunk]))
    return probs


def test_one_probability_per_window_whatever_the_chunking(jfk_audio: np.ndarray) -> None:
    whole = StreamingVad().probabilities(jfk_audio)
    streamed_vad = StreamingVad()
    streamed = in_chunks(streamed_vad, jfk_audio, CHUNK_20_MS)

    assert len(whole) == jfk_audio.size // WINDOW_SAMPLES
    assert streamed == pytest.approx(whole, abs=1e-5)
    assert streamed_vad.buffered_samples == jfk_audio.size % WINDOW_SAMPLES


def test_speech_scores_high_and_silence_low(jfk_audio: np.ndarray) -> None:
    vad = StreamingVad()
    silence = vad.probabilities(np.zeros(16000, dtype=np.float32))
    speech = vad.probabilities(jfk_audio)

    assert max(silence) < 0.2
    assert np.mean(np.array(speech) > 0.5) > 0.4


def test_streams_keep_separate_state_and_reset_starts_over(jfk_audio: np.ndarray) -> None:
    reference = StreamingVad().probabilities(jfk_audio[:48000])
    first, second = StreamingVad(), StreamingVad()
    first.probabilities(np.random.default_rng(1).normal(0, 0.3, 16000).astype(np.float32))

    interleaved: list[float] = []
    for start in range(0, 48000, 1600):
        first.probabilities(np.zeros(1600, dtype=np.float32))
        interleaved.extend(second.probabilities(jfk_audio[start : start + 1600]))
    first.reset()
    after_reset = first.probabilities(jfk_audio[:48000])

    assert interleaved == pytest.approx(reference, abs=1e-5)
    assert after_reset == pytest.approx(reference, abs=1e-5)
    assert load_silero() is load_silero()


def test_vad_costs_a_small_fraction_of_real_time(jfk_audio: np.ndarray) -> None:
    vad = StreamingVad()
    started = time.perf_counter()
    probs = in_chunks(vad, jfk_audio, CHUNK_20_MS)
    elapsed = time.perf_counter() - started

    per_window_ms = 1000 * elapsed / len(probs)
    print(f"VAD: {per_window_ms:.3f} ms per 32 ms window (20 ms chunks)")
    assert elapsed < 0.1 * jfk_audio.size / 16000


def test_real_recording_is_segmented_at_its_pauses(jfk_audio: np.ndarray) -> None:
    audio = np.concatenate([jfk_audio, np.zeros(4 * 16000, dtype=np.float32)])
    vad, segmenter = StreamingVad(), AnswerSegmenter()
    events = []
    for start in range(0, audio.size, CHUNK_20_MS):
        for prob in vad.probabilities(audio[start : start + CHUNK_20_MS]):
            events.extend(segmenter.process(vad.window_seconds, prob))

    starts = [e for e in events if isinstance(e, SpeechStarted)]
    closed = [e for e in events if isinstance(e, SegmentClosed)]
    ended = [e for e in events if isinstance(e, AnswerEnded)]
    # Kennedy pauses about a second between phrases; each phrase becomes a segment.
    assert len(closed) >= 3
    assert len(starts) == len(closed)
    assert starts[0].at_s == pytest.approx(0.3, abs=0.2)
    assert closed[-1].end_s == pytest.approx(10.6, abs=0.5)
    assert [e.reason for e in ended] == ["silence"]
    # Ends 3 s after the last speech; the closed segment already holds 0.3 s of that pad.
    assert ended[0].at_s == pytest.approx(closed[-1].end_s + 2.7, abs=0.1)
