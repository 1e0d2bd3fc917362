"""Several short recordings through faster-whisper's model at once: their 30 s windows are
encoded (see ENCODE_BATCH), then decoded by one greedy `generate` and aligned by one `align`.

It repeats `WhisperModel.generate_segments` for the options `Recognizer.transcribe` uses (greedy,
temperature 0, no conditioning on previous text, word timestamps, no VAD) and reuses its pieces
(`get_prompt`, `_split_segments_by_timestamps`, `add_word_timestamps`), so a recording decoded in a
batch gets the transcript it gets alone. Pinned to faster-whisper 1.2 internals; the tests in
tests/audio/test_batching.py compare both paths on real speech.

Imported lazily by audio.recognizer: it loads ctranslate2.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import ctranslate2
import numpy as np
import numpy.typing as npt
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import WhisperModel, get_suppressed_tokens
from faster_whisper.utils import get_end

# faster-whisper's defaults, which Recognizer.transcribe keeps.
LOG_PROB_THRESHOLD = -1.0
MAX_INITIAL_TIMESTAMP_INDEX = 50  # 1.0 s / 0.02 s
PREPEND_PUNCTUATIONS = "\"'“¿([{-"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"
# Windows encoded at once. The encoder's attention over 1500 frames needs ~60 MB per window,
# and on 2 CPU cores encoding 4 windows together was no faster than one by one (2.17 against
# 2.3-2.4 segments/s) for 200 MB more at peak: the decoder and the alignment are where a batch
# pays. Their outputs (2.3 MB a window for tiny) are stacked for one `generate`.
ENCODE_BATCH = 1


@dataclass(frozen=True)
class DecodedWord:
    text: str
    start: float
    end: float
    probability: float


@dataclass
class _Decoding:
    """One recording's progress through its windows (state of generate_segments' loop)."""

    features: npt.NDArray[np.float32]
    previous: list[int]  # tokens the next window is conditioned on: the prompt, then nothing
    seek: int = 0
    last_speech_s: float = 0.0
    texts: list[str] = field(default_factory=list)
    words: list[DecodedWord] = field(default_factory=list)

    @property
    def content_frames(self) -> int:
        return int(self.features.shape[-1]) - 1

    @property
    def done(self) -> bool:
        return self.seek >= self.content_frames


@dataclass
class _Window:
    decoding: _Decoding
    features: npt.NDArray[np.float32]  # 30 s of mel frames, zero-padded
    start: int  # first frame of the window in the recording
    size: int  # frames of real audio in the window
    prompt: list[int]


class _PrecomputedAlignment:
    """Stands in for the model in `add_word_timestamps`: the alignment was computed for the
    whole batch at once, the rest of that method is per recording."""

    def __init__(self, frames_per_second: int, alignment: list[dict[str, Any]]) -> None:
        self.frames_per_second = frames_per_second
        self._alignment = alignment

    def find_alignment(self, *_args: Any, **_kwargs: Any) -> list[list[dict[str, Any]]]:
        return [self._alignment]


class BatchDecoder:
    def __init__(self, model: WhisperModel, no_speech_threshold: float) -> None:
        self.model = model
        self.tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en"
        )
        self.suppress_tokens = list(get_suppressed_tokens(self.tokenizer, [-1]))
        self.no_speech_threshold = no_speech_threshold

    def decode(
        self, items: list[tuple[npt.NDArray[np.float32], list[int]]]
    ) -> list[tuple[list[str], list[DecodedWord]]]:
        """(16 kHz audio up to 30 s, prompt tokens) -> (segment texts, words) per item.

        Windows are decoded in rounds: every recording's first window together, then the
        windows that continue after an unfinished last segment (usually a short tail).
        Windows whose prompts differ in length are decoded in separate groups, as
        ctranslate2 needs <|startoftranscript|> at the same position in a batch.
        """
        extractor = self.model.feature_extractor
        decodings = [_Decoding(extractor(audio), list(prompt)) for audio, prompt in items]
        while active := [d for d in decodings if not d.done]:
            groups: dict[int, list[_Window]] = defaultdict(list)
            for decoding in active:
                window = self._window(decoding)
                groups[len(window.prompt)].append(window)
            for windows in groups.values():
                self._decode_windows(windows)
        return [(d.texts, d.words) for d in decodings]

    def _window(self, decoding: _Decoding) -> _Window:
        remaining = decoding.content_frames - decoding.seek
        size = min(self.model.feature_extractor.nb_max_frames, remaining)
        frames = decoding.features[:, decoding.seek : decoding.seek + size]
        prompt = self.model.get_prompt(self.tokenizer, decoding.previous)
        return _Window(decoding, pad_or_trim(frames), decoding.seek, size, prompt)

    def _decode_windows(self, windows: list[_Window]) -> None:
        model, tokenizer = self.model, self.tokenizer
        encoded = self._encode(np.stack([w.features for w in windows]))
        results = model.model.generate(
            encoded,
            [w.prompt for w in windows],
            beam_size=1,
            patience=1,
            length_penalty=1,
            repetition_penalty=1,
            no_repeat_ngram_size=0,
            max_length=model.max_length,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self.suppress_tokens,
            max_initial_timestamp_index=MAX_INITIAL_TIMESTAMP_INDEX,
        )
        time_per_frame = model.feature_extractor.time_per_frame
        spoken: list[tuple[int, list[dict[str, Any]], bool]] = []  # (row, segments, single end)
        for row, (window, result) in enumerate(zip(windows, results, strict=True)):
            decoding = window.decoding
            tokens = result.sequences_ids[0]
            avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
            if (
                result.no_speech_prob > self.no_speech_threshold
                and avg_logprob <= LOG_PROB_THRESHOLD
            ):
                decoding.seek += window.size  # silence: on to the next window
                continue
            segments, decoding.seek, single_timestamp_ending = model._split_segments_by_timestamps(
                tokenizer=tokenizer,
                tokens=tokens,
                time_offset=decoding.seek * time_per_frame,
                segment_size=window.size,
                segment_duration=window.size * time_per_frame,
                seek=decoding.seek,
            )
            spoken.append((row, segments, single_timestamp_ending))
        alignments = self._align(encoded, windows, [(row, s) for row, s, _ in spoken])
        for (row, segments, single_timestamp_ending), alignment in zip(
            spoken, alignments, strict=True
        ):
            self._finish_window(windows[row], segments, single_timestamp_ending, alignment)

    def _encode(self, features: npt.NDArray[np.float32]) -> ctranslate2.StorageView:
        if len(features) <= ENCODE_BATCH:
            return self.model.encode(features)
        parts = [
            np.array(self.model.encode(features[first : first + ENCODE_BATCH]))
            for first in range(0, len(features), ENCODE_BATCH)
        ]
        return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.concatenate(parts)))

    def _align(
        self,
        encoded: ctranslate2.StorageView,
        windows: list[_Window],
        spoken: list[tuple[int, list[dict[str, Any]]]],
    ) -> list[list[dict[str, Any]]]:
        """Word timings of every window that has text, in one `align` call."""
        eot = self.tokenizer.eot
        texts = [[t for s in segments for t in s["tokens"] if t < eot] for _, segments in spoken]
        with_text = [i for i, tokens in enumerate(texts) if tokens]
        alignments: list[list[dict[str, Any]]] = [[] for _ in spoken]
        if not with_text:
            return alignments
        rows = [spoken[i][0] for i in with_text]
        if rows != list(range(len(windows))):
            rows_only = np.ascontiguousarray(np.array(encoded)[rows])
            encoded = ctranslate2.StorageView.from_array(rows_only)
        aligned = WhisperModel.find_alignment(
            self.model,
            self.tokenizer,
            [texts[i] for i in with_text],
            encoded,
            [windows[row].size for row in rows],
        )
        for i, alignment in zip(with_text, aligned, strict=True):
            alignments[i] = alignment
        return alignments

    def _finish_window(
        self,
        window: _Window,
        segments: list[dict[str, Any]],
        single_timestamp_ending: bool,
        alignment: list[dict[str, Any]],
    ) -> None:
        decoding, model, tokenizer = window.decoding, self.model, self.tokenizer
        WhisperModel.add_word_timestamps(
            _PrecomputedAlignment(model.frames_per_second, alignment),
            [segments],
            tokenizer,
            None,
            window.size,
            PREPEND_PUNCTUATIONS,
            APPEND_PUNCTUATIONS,
            decoding.last_speech_s,
        )
        last_word_end = get_end(segments)
        window_start_s = window.start * model.feature_extractor.time_per_frame
        last_segment_unfinished = not single_timestamp_ending
        if last_segment_unfinished and last_word_end is not None and last_word_end > window_start_s:
            decoding.seek = round(last_word_end * model.frames_per_second)
        if decoding.seek <= window.start:  # no progress (faster-whisper would loop forever)
            decoding.seek = window.start + window.size
        if last_word_end is not None:
            decoding.last_speech_s = last_word_end
        for segment in segments:
            text = tokenizer.decode(segment["tokens"])
            if segment["start"] == segment["end"] or not text.strip():
                continue
            decoding.texts.append(text)
            decoding.words.extend(
                DecodedWord(w["word"], w["start"], w["end"], w["probability"])
                for w in segment["words"]
            )
        decoding.previous = []  # condition_on_previous_text=False: later windows get no prompt
