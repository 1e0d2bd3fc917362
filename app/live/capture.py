"""One answer's audio: buffering, VAD, segmentation and the transcripts of its segments.

The decisions come from audio.turns (pure); this class owns the bytes and the model calls,
which run on the speech executors.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.runtime import Speech
from app.scoring import words_json
from audio.codecs import pcm16_to_float
from audio.echo import echoes_prompt
from audio.recognizer import SegmentedTranscriber, Transcript
from audio.turns import AnswerSegmenter, SegmentClosed, TurnEvent, TurnSettings
from audio.vad import StreamingVad

log = logging.getLogger("viva.live")

RATE = 16_000
BYTES_PER_SECOND = RATE * 2
VAD_WINDOW_S = 512 / RATE


@dataclass
class AnswerCapture:
    speech: Speech
    settings: TurnSettings
    context: str
    prompt: str = ""  # what the interviewer just said: heard again, it is echo, not an answer
    pcm: bytearray = field(default_factory=bytearray)
    transcripts: SegmentedTranscriber = field(default_factory=SegmentedTranscriber)
    pending: set[asyncio.Task[None]] = field(default_factory=set)
    partial: Transcript | None = None  # of the segment still being spoken
    partial_running: bool = False
    partial_span: tuple[float, float] | None = None  # what `partial` transcribed
    open_segment_start: float | None = None
    speech_seconds: float = 0.0
    covered_s: float = 0.0  # stream time up to which the caption has been transcribed

    def __post_init__(self) -> None:
        self.vad = StreamingVad()
        self.partial_idle = asyncio.Event()
        self.partial_idle.set()
        self.segmenter = AnswerSegmenter(self.settings)

    @property
    def seconds(self) -> float:
        return len(self.pcm) / BYTES_PER_SECOND

    async def feed(self, frame: bytes) -> list[TurnEvent]:
        """Append a PCM16 frame and return the turn decisions it led to."""
        self.pcm.extend(frame)
        probs = await self.speech.run_vad(self.vad.probabilities, pcm16_to_float(frame))
        events: list[TurnEvent] = []
        for prob in probs:
            events.extend(self.segmenter.process(VAD_WINDOW_S, prob))
        return events

    def close_segment(
        self, start_s: float, end_s: float, on_done: Callable[[], Any] | None = None
    ) -> None:
        """A pause closed a segment: its words join the answer in the background."""
        self.speech_seconds += end_s - start_s
        task = asyncio.create_task(self._close(start_s, end_s, on_done))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def transcribe_partial(self, start_s: float, now_s: float) -> str | None:
        """Caption of the segment still being spoken; skipped when the recognizer is busy."""
        if self.partial_running or self.pending or self.speech.asr_pending:
            # Captions degrade first: with any recognizer call queued (this interview's or
            # another's), a caption waits for the next chance rather than delay a final.
            return None
        self.partial_running = True
        self.partial_idle.clear()
        try:
            transcript = await self.speech.run_asr(
                self.speech.recognizer.transcribe, self._slice(start_s, now_s), self.context
            )
        finally:
            self.partial_running = False
            self.partial_idle.set()
        self.partial, self.partial_span = transcript, (start_s, now_s)
        self.covered_s = max(self.covered_s, now_s)
        return self.caption()

    def caption(self) -> str:
        partial = self.partial
        if partial is not None and echoes_prompt(partial.text, self.prompt):
            partial = None
        return self.transcripts.partial_text(partial)

    async def finalize(self) -> tuple[str, list[dict[str, Any]]]:
        """Close the answer: what is left is transcribed, then every segment is waited for."""
        for event in self.segmenter.finish():
            if isinstance(event, SegmentClosed):
                self.close_segment(event.start_s, event.end_s)
        while self.pending:
            await asyncio.gather(*list(self.pending), return_exceptions=True)
        return self.transcripts.full_text(), words_json(self.transcripts.all_words())

    def cancel(self) -> None:
        for task in self.pending:
            task.cancel()

    async def _close(self, start_s: float, end_s: float, on_done: Callable[[], Any] | None) -> None:
        # A caption taken during the pause already heard every word of the segment: reusing it
        # halves the recognizer's work and answers Done without a new call.
        await self.partial_idle.wait()
        span = self.partial_span
        heard_to = end_s - self.settings.speech_pad_s
        if self.partial is not None and span and span[0] == start_s and span[1] >= heard_to:
            transcript = self.partial
        else:
            transcript = await self.speech.run_asr(
                self.speech.recognizer.transcribe, self._slice(start_s, end_s), self.context
            )
        if echoes_prompt(transcript.text, self.prompt):
            log.info("dropped a segment that was the interviewer's own voice: %r", transcript.text)
            self.speech_seconds -= end_s - start_s
            transcript = Transcript(text="", words=[], audio_seconds=0.0, compute_seconds=0.0)
        self.transcripts.record(start_s, end_s, transcript)
        self.partial, self.partial_span = None, None
        self.covered_s = max(self.covered_s, end_s)
        if on_done is not None:
            await on_done()

    def _slice(self, start_s: float, end_s: float) -> Any:
        start = max(0, int(start_s * RATE)) * 2
        end = min(len(self.pcm), int(end_s * RATE) * 2)
        return pcm16_to_float(bytes(self.pcm[start:end]))
