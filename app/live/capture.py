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

from app.runtime import CaptionSkipped, Speech
from app.scoring import words_json
from audio.codecs import pcm16_to_float
from audio.echo import echoes_prompt
from audio.errors import RecognizerFailedError
from audio.recognizer import SegmentedTranscriber, Transcript
from audio.turns import AnswerSegmenter, SegmentClosed, TurnEvent, TurnSettings
from audio.vad import StreamingVad

log = logging.getLogger("viva.live")

RATE = 16_000
BYTES_PER_SECOND = RATE * 2
VAD_WINDOW_S = 512 / RATE
# Segments that closed while this answer's last call was still waiting are transcribed in one
# call, up to this much audio (one Whisper window holds 30 s). Whisper's cost per call hardly
# depends on the audio's length, so under load each answer keeps up with one call at a time.
MERGE_MAX_S = 25.0


@dataclass(frozen=True)
class _Closed:
    start_s: float
    end_s: float
    on_done: Callable[[], Any] | None


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
    failure: Exception | None = None  # a segment the recognizer could not transcribe
    # This answer's token in the recognizer queue: once it ends, its calls go first.
    asr_owner: object = field(default_factory=object)
    waiting: list[_Closed] = field(default_factory=list)  # closed, not yet sent to the recognizer
    transcribing: bool = False  # a call of this answer is queued or running
    first_segment_sent: bool = False

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
        """A pause closed a segment: its words join the answer in the background.

        One call of an answer is in flight at a time; what closes meanwhile waits and goes in
        the next call, together.
        """
        self.speech_seconds += end_s - start_s
        self.waiting.append(_Closed(start_s, end_s, on_done))
        if self.transcribing:
            return
        self.transcribing = True
        task = asyncio.create_task(self._transcribe_waiting())
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
                self.speech.recognizer.transcribe,
                self._slice(start_s, now_s),
                self.context,
                final=False,
            )
        except CaptionSkipped:  # the recognizer queue is full of captions: try again later
            return None
        except Exception as error:  # a caption is only a preview; the final call decides
            log.warning("caption failed: %s", error)
            return None
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
        """Close the answer: what is left is transcribed, then every segment is waited for.

        The interview waits to reply, so this answer's recognizer calls go ahead of segments
        that other candidates closed while still speaking.
        """
        self.speech.hurry(self.asr_owner)
        try:
            for event in self.segmenter.finish():
                if isinstance(event, SegmentClosed):
                    self.close_segment(event.start_s, event.end_s)
            while self.pending:
                await asyncio.gather(*list(self.pending), return_exceptions=True)
        finally:
            self.speech.forget(self.asr_owner)
        if self.failure is not None:
            raise RecognizerFailedError(str(self.failure)) from self.failure
        return self.transcripts.full_text(), words_json(self.transcripts.all_words())

    def cancel(self) -> None:
        for task in self.pending:
            task.cancel()

    async def _transcribe_waiting(self) -> None:
        try:
            while self.waiting:
                await self.partial_idle.wait()
                group = self._take_group()
                await self._transcribe_group(group)
                for on_done in dict.fromkeys(c.on_done for c in group if c.on_done is not None):
                    await on_done()
        finally:
            self.transcribing = False

    def _take_group(self) -> list[_Closed]:
        """The waiting segments that go in the next call: the answer's first segment alone
        (echo of the prompt, if any, is in it and must be judged alone), later ones together
        up to MERGE_MAX_S."""
        group = [self.waiting.pop(0)]
        if not self.first_segment_sent:
            self.first_segment_sent = True
            return group
        while self.waiting and self.waiting[0].end_s - group[0].start_s <= MERGE_MAX_S:
            group.append(self.waiting.pop(0))
        return group

    async def _transcribe_group(self, group: list[_Closed]) -> None:
        start_s, end_s = group[0].start_s, group[-1].end_s
        # A caption taken during the pause already heard every word of the segment: reusing it
        # halves the recognizer's work and answers Done without a new call.
        span = self.partial_span
        heard_to = end_s - self.settings.speech_pad_s
        if self.partial is not None and span and span[0] == start_s and span[1] >= heard_to:
            transcript = self.partial
        else:
            try:
                transcript = await self.speech.run_asr(
                    self.speech.recognizer.transcribe,
                    self._slice(start_s, end_s),
                    self.context,
                    final=True,
                    owner=self.asr_owner,
                )
            except Exception as error:
                # The audio stays in `pcm`; finalize() reports the failure so the candidate
                # can type the answer instead of losing it.
                log.warning("recognizer failed on %.1f-%.1f s: %s", start_s, end_s, error)
                self.failure = error
                return
        if echoes_prompt(transcript.text, self.prompt):
            log.info("dropped a segment that was the interviewer's own voice: %r", transcript.text)
            self.speech_seconds -= sum(c.end_s - c.start_s for c in group)
            transcript = Transcript(text="", words=[], audio_seconds=0.0, compute_seconds=0.0)
        self.transcripts.record(start_s, end_s, transcript)
        if self.partial_span is not None and self.partial_span[0] <= end_s:
            self.partial, self.partial_span = None, None
        self.covered_s = max(self.covered_s, end_s)

    def _slice(self, start_s: float, end_s: float) -> Any:
        start = max(0, int(start_s * RATE)) * 2
        end = min(len(self.pcm), int(end_s * RATE) * 2)
        return pcm16_to_float(bytes(self.pcm[start:end]))
