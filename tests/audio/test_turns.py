"""Answer segmentation and barge-in, fed synthetic (window, probability) sequences."""

from __future__ import annotations

import itertools
from typing import TypeVar

import pytest

from audio.turns import (
    AnswerEnded,
    AnswerSegmenter,
    BargeInDetector,
    PartialDue,
    SegmentClosed,
    SpeechStarted,
    TurnEvent,
    TurnSettings,
)

WINDOW = 0.032  # one Silero window at 16 kHz
SPEECH = 0.9
SILENCE = 0.05
T = TypeVar("T")


def feed(
    segmenter: AnswerSegmenter, pattern: list[tuple[float, float]], window: float = WINDOW
) -> list[TurnEvent]:
    """Feed (seconds, probability) stretches, rounded to whole windows."""
    events: list[TurnEvent] = []
    for seconds, prob in pattern:
        for _ in range(round(seconds / window)):
            events.extend(segmenter.process(window, prob))
    return events


def of_type(events: list[TurnEvent], kind: type[T]) -> list[T]:
    return [event for event in events if isinstance(event, kind)]


def test_patient_pause_of_two_and_a_half_seconds_does_not_end_the_answer() -> None:
    segmenter = AnswerSegmenter()
    events = feed(segmenter, [(1.0, SILENCE), (2.0, SPEECH), (2.5, SILENCE), (1.5, SPEECH)])

    assert of_type(events, AnswerEnded) == []
    assert not segmenter.ended
    assert len(of_type(events, SpeechStarted)) == 2


def test_three_seconds_of_silence_after_speech_ends_the_answer() -> None:
    segmenter = AnswerSegmenter()
    events = feed(segmenter, [(0.5, SILENCE), (2.0, SPEECH), (4.0, SILENCE)])

    ended = of_type(events, AnswerEnded)
    assert len(ended) == 1
    assert ended[0].reason == "silence"
    assert ended[0].at_s == pytest.approx(2.5 + 3.0, abs=WINDOW)
    assert segmenter.ended
    assert segmenter.process(WINDOW, SPEECH) == []


def test_pause_closes_segment_with_padded_span() -> None:
    settings = TurnSettings()
    segmenter = AnswerSegmenter(settings)
    events = feed(segmenter, [(1.0, SILENCE), (1.5, SPEECH), (0.7, SILENCE)])

    started = of_type(events, SpeechStarted)
    closed = of_type(events, SegmentClosed)
    assert [s.at_s for s in started] == [pytest.approx(1.0, abs=WINDOW)]
    assert len(closed) == 1
    assert closed[0].start_s == pytest.approx(1.0 - settings.speech_pad_s, abs=WINDOW)
    assert closed[0].end_s == pytest.approx(2.5 + settings.speech_pad_s, abs=WINDOW)
    assert not segmenter.in_segment


def test_short_pause_inside_speech_keeps_one_segment() -> None:
    segmenter = AnswerSegmenter()
    events = feed(segmenter, [(1.0, SPEECH), (0.4, SILENCE), (1.0, SPEECH), (0.7, SILENCE)])

    assert len(of_type(events, SpeechStarted)) == 1
    closed = of_type(events, SegmentClosed)
    assert len(closed) == 1
    assert closed[0].end_s == pytest.approx(2.4 + 0.3, abs=WINDOW)


def test_segments_never_overlap_even_when_the_pad_would() -> None:
    settings = TurnSettings(speech_pad_s=0.3, segment_pause_s=0.6)
    segmenter = AnswerSegmenter(settings)
    events = feed(segmenter, [(1.0, SPEECH), (0.65, SILENCE), (1.0, SPEECH), (0.7, SILENCE)])

    first, second = of_type(events, SegmentClosed)
    assert second.start_s >= first.end_s
    assert first.end_s == pytest.approx(1.3, abs=WINDOW)


def test_blips_shorter_than_min_speech_are_ignored() -> None:
    segmenter = AnswerSegmenter()
    pattern = [(0.1, SPEECH), (0.9, SILENCE)] * 20  # a cough every second for 20 s

    events = feed(segmenter, pattern)

    assert of_type(events, SpeechStarted) == []
    assert of_type(events, SegmentClosed) == []
    (ended,) = of_type(events, AnswerEnded)
    assert ended.reason == "no_speech"
    assert ended.at_s == pytest.approx(15.0, abs=0.1)


def test_blip_in_the_closing_silence_does_not_restart_the_patience_timer() -> None:
    segmenter = AnswerSegmenter()
    events = feed(segmenter, [(1.0, SPEECH), (2.0, SILENCE), (0.1, SPEECH), (1.5, SILENCE)])

    (ended,) = of_type(events, AnswerEnded)
    assert ended.at_s == pytest.approx(1.0 + 3.0, abs=WINDOW)


def test_no_speech_ends_the_answer_after_initial_silence() -> None:
    segmenter = AnswerSegmenter()
    before = feed(segmenter, [(14.9, SILENCE)])
    after = feed(segmenter, [(0.2, SILENCE)])

    assert before == []
    assert len(after) == 1
    assert isinstance(after[0], AnswerEnded)
    assert (after[0].reason, after[0].at_s) == ("no_speech", pytest.approx(15.0, abs=WINDOW))


def test_hysteresis_keeps_speaking_between_thresholds_but_never_starts_there() -> None:
    segmenter = AnswerSegmenter()
    middling = 0.42  # between silence (0.35) and speech (0.5) thresholds

    never_started = feed(segmenter, [(2.0, middling)])
    assert of_type(never_started, SpeechStarted) == []

    events = feed(segmenter, [(0.5, SPEECH), (1.0, middling)])
    assert len(of_type(events, SpeechStarted)) == 1
    assert of_type(events, SegmentClosed) == []
    assert segmenter.in_segment


def test_partials_are_due_about_every_second_of_ongoing_speech() -> None:
    segmenter = AnswerSegmenter()
    events = feed(segmenter, [(0.5, SILENCE), (3.5, SPEECH)])

    (started,) = of_type(events, SpeechStarted)
    partials = of_type(events, PartialDue)
    assert len(partials) == 3
    assert partials[0].now_s - started.at_s == pytest.approx(1.0, abs=WINDOW)
    for previous, following in itertools.pairwise(partials):
        assert following.now_s - previous.now_s == pytest.approx(1.0, abs=WINDOW)
    assert all(p.start_s == pytest.approx(started.at_s - 0.3) for p in partials)


def test_a_short_pause_asks_once_for_a_caption_of_the_whole_segment() -> None:
    segmenter = AnswerSegmenter()
    events = feed(segmenter, [(0.5, SILENCE), (0.8, SPEECH), (0.4, SILENCE)])

    (partial,) = of_type(events, PartialDue)
    assert partial.now_s == pytest.approx(1.3 + 0.25, abs=WINDOW)  # covers all speech so far
    assert of_type(events, SegmentClosed) == []
    more = feed(segmenter, [(0.3, SILENCE)])
    assert of_type(more, PartialDue) == []  # once per pause
    (closed,) = of_type(more, SegmentClosed)
    assert partial.start_s == closed.start_s and partial.now_s >= closed.end_s - 0.3


def test_a_long_segment_closes_at_a_short_pause() -> None:
    segmenter = AnswerSegmenter()
    short = feed(segmenter, [(0.5, SILENCE), (3.0, SPEECH), (0.3, SILENCE), (0.5, SPEECH)])
    assert of_type(short, SegmentClosed) == []  # 3 s in: a 0.3 s pause is part of the segment
    events = feed(segmenter, [(2.0, SPEECH), (0.3, SILENCE)])
    (closed,) = of_type(events, SegmentClosed)  # past 5 s: the same pause closes it
    # closed as the pause reaches 0.25 s, its span ending where the audio had got to
    assert closed.end_s == pytest.approx(0.5 + 3.0 + 0.3 + 2.5 + 0.25, abs=WINDOW)


def test_finish_closes_the_open_segment_and_stops_the_segmenter() -> None:
    segmenter = AnswerSegmenter()
    feed(segmenter, [(0.5, SILENCE), (1.0, SPEECH)])

    events = segmenter.finish()

    assert len(events) == 1
    assert isinstance(events[0], SegmentClosed)
    assert events[0].start_s == pytest.approx(0.5 - 0.3, abs=WINDOW)
    assert events[0].end_s == pytest.approx(1.5, abs=WINDOW)
    assert segmenter.finish() == []
    assert segmenter.process(WINDOW, SPEECH) == []


def test_finish_without_speech_reports_nothing() -> None:
    segmenter = AnswerSegmenter()
    feed(segmenter, [(2.0, SILENCE), (0.1, SPEECH)])

    assert segmenter.finish() == []
    assert not segmenter.heard_speech


def test_very_long_speech_is_split_into_bounded_segments() -> None:
    segmenter = AnswerSegmenter(TurnSettings(max_segment_s=10.0))
    events = feed(segmenter, [(25.0, SPEECH), (1.0, SILENCE)])

    closed = of_type(events, SegmentClosed)
    assert len(closed) == 3
    assert all(c.end_s - c.start_s <= 10.0 + WINDOW for c in closed)
    for previous, following in itertools.pairwise(closed):
        assert following.start_s == pytest.approx(previous.end_s)
    assert closed[-1].end_s == pytest.approx(25.0 + 0.3, abs=WINDOW)


def test_times_are_stream_time_regardless_of_window_size() -> None:
    coarse, fine = AnswerSegmenter(), AnswerSegmenter()
    pattern = [(1.024, SILENCE), (1.024, SPEECH), (4.096, SILENCE)]  # whole windows of both

    (coarse_end,) = of_type(feed(coarse, pattern, window=0.064), AnswerEnded)
    (fine_end,) = of_type(feed(fine, pattern, window=0.016), AnswerEnded)

    assert coarse_end.at_s == pytest.approx(2.048 + 3.0, abs=0.064)
    assert fine_end.at_s == pytest.approx(2.048 + 3.0, abs=0.016)


@pytest.mark.parametrize(
    "overrides",
    [
        {"silence_threshold": 0.6, "speech_threshold": 0.5},
        {"segment_pause_s": 3.0, "end_silence_s": 3.0},
        {"min_speech_s": 0.0},
        {"speech_pad_s": 0.7},
        {"barge_in_threshold": 0.4},
    ],
)
def test_inconsistent_settings_are_rejected(overrides: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        TurnSettings(**overrides)


def test_barge_in_needs_half_a_second_of_confident_speech() -> None:
    detector = BargeInDetector()

    short = [detector.process(WINDOW, 0.9) for _ in range(round(0.4 / WINDOW))]
    assert not any(short)
    detector.process(WINDOW, 0.1)  # a real pause resets the count
    again = [detector.process(WINDOW, 0.9) for _ in range(round(0.4 / WINDOW))]
    assert not any(again)
    assert any(detector.process(WINDOW, 0.9) for _ in range(round(0.2 / WINDOW)))
    assert detector.triggered
    assert detector.process(WINDOW, 0.0)  # stays triggered until reset

    detector.reset()
    assert not detector.triggered


def test_barge_in_ignores_unconfident_speech() -> None:
    detector = BargeInDetector()

    assert not any(detector.process(WINDOW, 0.6) for _ in range(100))


def test_barge_in_tolerates_brief_dips_between_thresholds() -> None:
    detector = BargeInDetector()
    results: list[bool] = []
    for _ in range(4):
        results.extend(detector.process(WINDOW, 0.9) for _ in range(5))
        results.append(detector.process(WINDOW, 0.55))

    assert results[-1]


def test_short_segments_grow_through_short_pauses_into_fewer_recognizer_calls() -> None:
    settings = TurnSettings(min_segment_s=4.0, long_segment_s=10.0)
    segmenter = AnswerSegmenter(settings)
    # Phrases of 1.5 s with 0.7 s breaths: each breath would close a segment by default.
    phrases = [(1.5, SPEECH), (0.7, SILENCE)] * 4
    events = feed(segmenter, [(0.3, SILENCE), *phrases, (1.5, SILENCE)])
    closed = of_type(events, SegmentClosed)
    default_closed = of_type(
        feed(AnswerSegmenter(), [(0.3, SILENCE), *phrases, (1.5, SILENCE)]), SegmentClosed
    )
    assert len(default_closed) == 4
    # The first breath comes 1.8 s into the segment (padding included): too short to close.
    # After the second phrase it is 4 s long and closes at the next breath; phrases three
    # and four make the second segment the same way.
    assert len(closed) == 2
    assert closed[0].start_s == pytest.approx(0.0, abs=WINDOW)
    assert closed[0].end_s == pytest.approx(0.3 + 2 * 1.5 + 0.7 + 0.3, abs=2 * WINDOW)


def test_a_short_segment_still_closes_at_a_long_pause_and_the_answer_ends_on_time() -> None:
    settings = TurnSettings(min_segment_s=4.0, long_segment_s=10.0)
    segmenter = AnswerSegmenter(settings)
    events = feed(segmenter, [(0.5, SILENCE), (1.0, SPEECH), (4.0, SILENCE)])
    closed = of_type(events, SegmentClosed)
    ended = of_type(events, AnswerEnded)
    assert len(closed) == 1 and closed[0].end_s == pytest.approx(1.5 + 0.3, abs=WINDOW)
    assert ended and ended[0].at_s == pytest.approx(1.5 + 3.0, abs=WINDOW)
