"""Turn-taking decisions as pure state machines fed (window duration, speech probability).

All times are seconds of audio-stream time: the sum of the window durations fed so far.
Nothing here touches audio, models, clocks or sockets, so every decision is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Window durations are summed as floats; comparisons allow for the rounding of those sums.
_EPSILON = 1e-6


@dataclass(frozen=True)
class TurnSettings:
    """Thresholds and durations (seconds) for answer segmentation and barge-in."""

    speech_threshold: float = 0.5
    """A window at or above this probability starts speech."""
    silence_threshold: float = 0.35
    """Once speaking, only a window below this probability counts as silence."""
    min_speech_s: float = 0.25
    """Speech shorter than this (a cough, a click) does not start a segment."""
    segment_pause_s: float = 0.6
    """A pause this long closes the current speech segment."""
    min_segment_s: float = 0.0
    """A segment shorter than this closes only at a pause of short_segment_pause_s: each
    recognizer call costs about the same for 2 s as for 10 s of audio (Whisper always encodes
    a 30 s window), so fewer, longer segments are far less work under load."""
    short_segment_pause_s: float = 1.2
    """The longer pause that closes a segment shorter than min_segment_s."""
    partial_interval_s: float = 1.0
    """How often ongoing speech asks for a caption of the in-progress segment."""
    long_segment_s: float = 5.0
    """Past this length a segment also closes at a short pause (long_segment_pause_s), so the
    part still to transcribe when the answer ends stays short."""
    long_segment_pause_s: float = 0.25
    """The shorter pause that closes a long segment."""
    pause_partial_s: float = 0.25
    """A pause this long asks for a caption of the whole open segment: when the segment closes
    (or Done is pressed) right after, that caption already holds every word of it."""
    end_silence_s: float = 3.0
    """Silence after speech that ends the answer; patient, so thinking is not cut off."""
    initial_silence_s: float = 15.0
    """Silence before any speech that ends the answer as unanswered."""
    speech_pad_s: float = 0.3
    """Audio kept around detected speech in a segment's span, so word edges are not clipped."""
    max_segment_s: float = 25.0
    """Speech running this long without a pause is split, bounding transcription cost."""
    barge_in_s: float = 0.5
    """Sustained confident speech during playback that interrupts the interviewer."""
    barge_in_threshold: float = 0.7
    """Probability a window needs to count towards barge-in."""

    def __post_init__(self) -> None:
        if not 0.0 < self.silence_threshold <= self.speech_threshold <= 1.0:
            raise ValueError(
                "need 0 < silence_threshold <= speech_threshold <= 1, got "
                f"{self.silence_threshold} and {self.speech_threshold}"
            )
        if not self.speech_threshold <= self.barge_in_threshold <= 1.0:
            raise ValueError("barge_in_threshold must be between speech_threshold and 1")
        durations = {
            "min_speech_s": self.min_speech_s,
            "segment_pause_s": self.segment_pause_s,
            "partial_interval_s": self.partial_interval_s,
            "pause_partial_s": self.pause_partial_s,
            "long_segment_s": self.long_segment_s,
            "long_segment_pause_s": self.long_segment_pause_s,
            "end_silence_s": self.end_silence_s,
            "initial_silence_s": self.initial_silence_s,
            "max_segment_s": self.max_segment_s,
            "barge_in_s": self.barge_in_s,
        }
        for name, value in durations.items():
            if value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
        if self.speech_pad_s < 0:
            raise ValueError(f"speech_pad_s must not be negative, got {self.speech_pad_s}")
        if self.speech_pad_s >= self.segment_pause_s:
            raise ValueError("speech_pad_s must be shorter than segment_pause_s")
        if self.long_segment_pause_s > self.segment_pause_s:
            raise ValueError("long_segment_pause_s must not exceed segment_pause_s")
        if self.pause_partial_s >= self.segment_pause_s:
            raise ValueError("pause_partial_s must be shorter than segment_pause_s")
        if self.segment_pause_s >= self.end_silence_s:
            raise ValueError("segment_pause_s must be shorter than end_silence_s")


@dataclass(frozen=True)
class SpeechStarted:
    """Speech began at `at_s` (confirmed once it lasted min_speech_s)."""

    at_s: float


@dataclass(frozen=True)
class SegmentClosed:
    """A speech segment ended; [start_s, end_s) is the audio span to transcribe now."""

    start_s: float
    end_s: float


@dataclass(frozen=True)
class PartialDue:
    """Speech is ongoing; [start_s, now_s) of the open segment may be transcribed for captions."""

    start_s: float
    now_s: float


@dataclass(frozen=True)
class AnswerEnded:
    """The answer is over: `silence` after speech, or `no_speech` before any."""

    reason: Literal["silence", "no_speech"]
    at_s: float


TurnEvent = SpeechStarted | SegmentClosed | PartialDue | AnswerEnded


@dataclass
class _OpenSegment:
    start_s: float
    speech_end_s: float
    next_partial_s: float
    pause_partial_due: bool = True  # cleared once the current pause asked for its caption


class AnswerSegmenter:
    """Splits one answer's audio into speech segments and decides when the answer is over.

    Feed every VAD window in order with `process`; call `finish` when the answer ends for
    another reason (the candidate pressed Done). After an AnswerEnded event or `finish`, further
    windows are ignored.
    """

    def __init__(self, settings: TurnSettings | None = None) -> None:
        self._settings = settings if settings is not None else TurnSettings()
        self._now = 0.0
        self._speaking = False
        self._run_start: float | None = None
        self._resume_run = False
        self._segment: _OpenSegment | None = None
        self._last_segment_end = 0.0
        self._last_speech_end: float | None = None
        self._ended = False

    @property
    def now_s(self) -> float:
        return self._now

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def heard_speech(self) -> bool:
        return self._segment is not None or self._last_speech_end is not None

    @property
    def in_segment(self) -> bool:
        return self._segment is not None

    def process(self, window_s: float, speech_prob: float) -> list[TurnEvent]:
        """Advance by one window of `window_s` seconds with the VAD's speech probability."""
        if window_s <= 0:
            raise ValueError(f"window_s must be positive, got {window_s}")
        if self._ended:
            return []
        start, end = self._now, self._now + window_s
        self._now = end
        threshold = (
            self._settings.silence_threshold if self._speaking else self._settings.speech_threshold
        )
        self._speaking = speech_prob >= threshold
        events: list[TurnEvent] = []
        if self._speaking:
            self._on_speech(start, end, events)
        else:
            self._on_silence(end, events)
        return events

    def finish(self) -> list[TurnEvent]:
        """End the answer now; closes the open segment, if any. Unconfirmed blips are dropped."""
        if self._ended:
            return []
        self._ended = True
        events: list[TurnEvent] = []
        if self._segment is not None:
            self._close_segment(min(self._segment.speech_end_s + self._pad, self._now), events)
        return events

    @property
    def _pad(self) -> float:
        return self._settings.speech_pad_s

    def _on_speech(self, start: float, end: float, events: list[TurnEvent]) -> None:
        settings = self._settings
        if self._segment is None:
            if self._run_start is None:
                self._run_start = start
            run_start = self._run_start
            if not self._resume_run and end - run_start < settings.min_speech_s - _EPSILON:
                return
            segment_start = max(run_start - self._pad, self._last_segment_end, 0.0)
            self._segment = _OpenSegment(
                start_s=segment_start,
                speech_end_s=end,
                next_partial_s=run_start + settings.partial_interval_s,
            )
            self._run_start = None
            self._resume_run = False
            events.append(SpeechStarted(at_s=run_start))
        segment = self._segment
        segment.speech_end_s = end
        segment.pause_partial_due = True
        if end - segment.start_s >= settings.max_segment_s - _EPSILON:
            self._close_segment(end, events)
            # Speech goes on: the next speech window continues it without re-confirmation.
            self._run_start = end
            self._resume_run = True
            return
        if end >= segment.next_partial_s - _EPSILON:
            events.append(PartialDue(start_s=segment.start_s, now_s=end))
            segment.next_partial_s = end + settings.partial_interval_s

    def _on_silence(self, end: float, events: list[TurnEvent]) -> None:
        settings = self._settings
        self._run_start = None
        self._resume_run = False
        segment = self._segment
        if segment is not None:
            paused = end - segment.speech_end_s
            length = segment.speech_end_s - segment.start_s
            if length >= settings.long_segment_s - _EPSILON:
                pause_needed = settings.long_segment_pause_s
            elif length < settings.min_segment_s - _EPSILON:
                pause_needed = max(settings.segment_pause_s, settings.short_segment_pause_s)
            else:
                pause_needed = settings.segment_pause_s
            if paused >= pause_needed - _EPSILON:
                self._close_segment(min(segment.speech_end_s + self._pad, end), events)
            elif segment.pause_partial_due and paused >= settings.pause_partial_s - _EPSILON:
                segment.pause_partial_due = False
                events.append(PartialDue(start_s=segment.start_s, now_s=end))
            return
        if self._last_speech_end is None:
            if end >= settings.initial_silence_s - _EPSILON:
                self._end_answer("no_speech", end, events)
        elif end - self._last_speech_end >= settings.end_silence_s - _EPSILON:
            self._end_answer("silence", end, events)

    def _close_segment(self, end_s: float, events: list[TurnEvent]) -> None:
        assert self._segment is not None
        events.append(SegmentClosed(start_s=self._segment.start_s, end_s=end_s))
        self._last_speech_end = self._segment.speech_end_s
        self._last_segment_end = end_s
        self._segment = None

    def _end_answer(
        self, reason: Literal["silence", "no_speech"], at_s: float, events: list[TurnEvent]
    ) -> None:
        self._ended = True
        events.append(AnswerEnded(reason=reason, at_s=at_s))


class BargeInDetector:
    """During interviewer playback: has the candidate clearly started talking over it?

    Windows at or above barge_in_threshold add up; a window below speech_threshold resets the
    count; windows in between hold it. Once triggered it stays triggered until `reset`.
    """

    def __init__(self, settings: TurnSettings | None = None) -> None:
        self._settings = settings if settings is not None else TurnSettings()
        self._sustained_s = 0.0
        self._triggered = False

    @property
    def triggered(self) -> bool:
        return self._triggered

    def reset(self) -> None:
        """Call when a new playback starts."""
        self._sustained_s = 0.0
        self._triggered = False

    def process(self, window_s: float, speech_prob: float) -> bool:
        if window_s <= 0:
            raise ValueError(f"window_s must be positive, got {window_s}")
        if self._triggered:
            return True
        if speech_prob >= self._settings.barge_in_threshold:
            self._sustained_s += window_s
        elif speech_prob < self._settings.speech_threshold:
            self._sustained_s = 0.0
        self._triggered = self._sustained_s >= self._settings.barge_in_s - _EPSILON
        return self._triggered
