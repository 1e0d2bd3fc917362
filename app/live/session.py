"""One candidate's live interview on one WebSocket.

This edge only translates: bytes and JSON become events for the interview machine and the
answer capture; the machine's actions become messages, audio and stored turns.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.websockets import WebSocket

from app.db.models import utcnow
from app.db.repositories import InterviewRepository, TurnRepository
from app.interviews import build_machine
from app.live.capture import BYTES_PER_SECOND, VAD_WINDOW_S, AnswerCapture
from app.live.outbox import Outbox
from app.live.speaker import Speaker
from app.metrics import (
    ACTIVE_INTERVIEWS,
    ANSWERS,
    NEXT_PROMPT_SECONDS,
    REFUSED,
    RESPONSE_SECONDS,
)
from app.runtime import Content, Speech
from app.scoring import score_or_none
from app.settings import Settings
from audio.codecs import encode_answer_audio, pcm16_to_float
from audio.synthesizer import split_sentences
from audio.turns import (
    AnswerEnded,
    BargeInDetector,
    PartialDue,
    SegmentClosed,
    SpeechStarted,
    TurnEvent,
    TurnSettings,
)
from audio.vad import StreamingVad
from interviewer.machine import Action, Finish, InterviewMachine, Listen, Say
from interviewer.plan import wrap_up_prompt

log = logging.getLogger("viva.live")

MAX_FRAME_BYTES = 64 * 1024  # 2 s of 16 kHz PCM16; the page sends 40 ms frames
MAX_TEXT_CHARS = 20_000
MAX_TEXT_FRAME_CHARS = 8 * MAX_TEXT_CHARS  # a text_answer at its limit, even all \u-escaped
PREROLL_S = 1.0  # audio kept while the interviewer speaks, so a barge-in keeps its first words
BUSY_RETRY_S = 30
CLIENT_TYPES = {"start", "end_answer", "skip", "repeat", "text_answer", "stop"}


@dataclass
class Queued:
    action: Action
    barge_in: bool = False  # the prompt right before listening may be talked over
    persist: bool = True
    position: dict[str, Any] | None = None


@dataclass
class LiveInterview:
    websocket: WebSocket
    interview_id: str
    owner_id: str | None
    settings: Settings
    speech: Speech
    content: Content
    sessionmaker: async_sessionmaker
    phase: str = "idle"
    machine: InterviewMachine | None = None
    capture: AnswerCapture | None = None
    queue: asyncio.Queue[Queued] = field(default_factory=asyncio.Queue)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.outbox = Outbox(self.websocket)
        self.speaker = Speaker(self.outbox, self.speech)
        self.turn_settings = TurnSettings(
            end_silence_s=self.settings.end_silence_s,
            initial_silence_s=self.settings.initial_silence_s,
            segment_pause_s=self.settings.segment_pause_s,
        )
        self.db_lock = asyncio.Lock()
        self.barge_armed = False
        self.barge_from = 0.0
        self.barge_vad = StreamingVad()
        self.barge_detector = BargeInDetector(self.turn_settings)
        self.barged_in = asyncio.Event()
        self.preroll: deque[bytes] = deque()
        self.finishing: asyncio.Task[None] | None = None
        self.answer_ended_at: float | None = None  # perf_counter, until the reply is voiced
        self.reply_heard = False
        self.counted_active = False
        self.listening_question: str | None = None
        self.listening_followup = False
        self.listen_started_at = utcnow()
        self.plan: dict[str, Any] = {}

    # -- connection ------------------------------------------------------------------------

    async def run(self) -> None:
        await self.websocket.accept()
        async with self.sessionmaker() as db:
            interview = await InterviewRepository(db).get(self.interview_id, owner_id=self.owner_id)
            if interview is None:
                await self.outbox.error("not_found", "No such interview.")
                await self.websocket.close(code=4404)
                return
            self.machine = build_machine(interview, self.content)
            self.plan = dict(interview.plan)
            if interview.status == "finished":
                self.phase = "finished"
        speaker_task = self._spawn(self._speak_loop())
        try:
            await self._receive_loop()
        finally:
            speaker_task.cancel()
            await self._save_in_progress()
            self._release()
            for task in list(self.tasks):
                task.cancel()

    async def _receive_loop(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                await self._on_audio(message["bytes"])
            elif message.get("text") is not None:
                await self._on_text(message["text"])

    # -- client messages -------------------------------------------------------------------

    async def _on_text(self, raw: str) -> None:
        if len(raw) > MAX_TEXT_FRAME_CHARS:
            await self.outbox.error(
                "frame_too_large",
                f"Text messages are limited to {MAX_TEXT_FRAME_CHARS} characters.",
            )
            return
        try:
            message = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
            await self.outbox.error("bad_json", "Messages must be JSON objects.")
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if not isinstance(kind, str) or kind not in CLIENT_TYPES:
            await self.outbox.error("unknown_type", f"Unknown message type {repr(kind)[:64]}.")
            return
        assert self.machine is not None
        if kind == "start":
            await self._on_start(message)
        elif kind == "end_answer":
            await self._end_answer_now()
        elif kind == "text_answer":
            text = message.get("text")
            if not isinstance(text, str) or not text.strip():
                await self.outbox.error("bad_text", "text_answer needs a non-empty text.")
            elif len(text) > MAX_TEXT_CHARS:
                await self.outbox.error(
                    "text_too_long", f"Answers are limited to {MAX_TEXT_CHARS} characters."
                )
            elif self.phase == "listening":
                self._begin_finish(typed_text=text.strip())
            else:
                await self._not_listening("text_answer")
        elif kind in ("repeat", "skip"):
            if self.phase != "listening":
                await self._not_listening(kind)
                return
            self._drop_capture()
            actions = self.machine.repeat() if kind == "repeat" else self.machine.skip()
            self._enqueue(actions)
        elif kind == "stop":
            await self._on_stop()

    async def _on_start(self, message: dict[str, Any]) -> None:
        rate = message.get("sample_rate", 16_000)
        if rate != 16_000:
            await self.outbox.error(
                "unsupported_sample_rate", "Send PCM16 mono at 16000 Hz (sample_rate 16000)."
            )
            return
        if self.phase == "finished":
            await self.outbox.json({"type": "finished", "review_url": self._review_url()})
            return
        if self.phase != "idle":
            await self.outbox.error("already_started", "The interview is already running.")
            return
        assert self.machine is not None
        if not self._admit():
            REFUSED.inc()
            await self.outbox.error(
                "busy",
                f"Viva is running as many interviews as this machine can serve well. "
                f"Try again in {BUSY_RETRY_S} s.",
                retry_after=BUSY_RETRY_S,
            )
            await self.websocket.close(code=1013)
            return
        self.phase = "starting"
        async with self.db_lock, self.sessionmaker.begin() as db:
            interview = await InterviewRepository(db).get(self.interview_id, owner_id=self.owner_id)
            if interview is not None and interview.status == "created":
                await InterviewRepository(db).set_status(interview, "active")
        self._enqueue(self.machine.start())
        self._spawn(self._prefetch())

    async def _on_stop(self) -> None:
        assert self.machine is not None
        if self.phase == "finished":
            return
        if self.phase == "listening" and self.capture and self.capture.segmenter.heard_speech:
            await self._finish_answer(partial=True)
        elif self.finishing is not None:
            await asyncio.shield(self.finishing)
        self._drop_capture()
        self._enqueue(self.machine.stop())

    async def _not_listening(self, what: str) -> None:
        await self.outbox.error("not_listening", f"{what} only works while Viva is listening.")

    # -- audio in --------------------------------------------------------------------------

    async def _on_audio(self, frame: bytes) -> None:
        if len(frame) > MAX_FRAME_BYTES:
            await self.outbox.error(
                "frame_too_large", f"Audio frames are limited to {MAX_FRAME_BYTES} bytes."
            )
            return
        if len(frame) % 2:
            await self.outbox.error("bad_audio_frame", "Audio frames must be whole PCM16 samples.")
            return
        if self.phase == "listening" and self.capture is not None:
            events = await self.capture.feed(frame)
            for event in events:
                await self._on_turn_event(event)
            if self.capture is not None and self.capture.seconds >= self.settings.max_answer_s:
                await self.outbox.error("answer_too_long", "That answer reached the time limit.")
                await self._end_answer_now()
        elif self.phase == "speaking" and self.barge_armed and time.monotonic() >= self.barge_from:
            self._keep_preroll(frame)
            probs = await self.speech.run_vad(self.barge_vad.probabilities, pcm16_to_float(frame))
            if any(self.barge_detector.process(VAD_WINDOW_S, p) for p in probs):
                self.barge_armed = False
                self.speaker.interrupt()
                self.barged_in.set()

    async def _on_turn_event(self, event: TurnEvent) -> None:
        capture = self.capture
        assert capture is not None
        if isinstance(event, SpeechStarted):
            capture.open_segment_start = event.at_s
        elif isinstance(event, SegmentClosed):
            capture.open_segment_start = None
            capture.close_segment(event.start_s, event.end_s, self._send_caption)
        elif isinstance(event, PartialDue):
            self._spawn(self._partial_caption(capture, event.start_s, event.now_s))
        elif isinstance(event, AnswerEnded):
            self._begin_finish()

    async def _partial_caption(self, capture: AnswerCapture, start_s: float, now_s: float) -> None:
        text = await capture.transcribe_partial(start_s, now_s)
        if text and capture is self.capture and self.phase == "listening":
            await self._caption_message(capture, text)

    async def _send_caption(self) -> None:
        capture = self.capture
        if capture is not None and self.phase == "listening":
            await self._caption_message(capture, capture.caption())

    async def _caption_message(self, capture: AnswerCapture, text: str) -> None:
        await self.outbox.json(
            {
                "type": "transcript",
                "final": False,
                "text": text,
                "until_s": round(capture.covered_s, 2),
            }
        )

    def _keep_preroll(self, frame: bytes) -> None:
        self.preroll.append(frame)
        while sum(len(f) for f in self.preroll) > PREROLL_S * BYTES_PER_SECOND:
            self.preroll.popleft()

    # -- ending an answer ------------------------------------------------------------------

    async def _end_answer_now(self) -> None:
        if self.phase != "listening":
            await self._not_listening("end_answer")
            return
        self._begin_finish()

    def _begin_finish(self, typed_text: str | None = None) -> None:
        if self.phase != "listening":
            return
        self.phase = "processing"
        self.finishing = self._spawn(self._finish_answer(typed_text=typed_text))

    async def _finish_answer(self, *, typed_text: str | None = None, partial: bool = False) -> None:
        machine, capture = self.machine, self.capture
        assert machine is not None and capture is not None
        started = time.perf_counter()
        self.answer_ended_at, self.reply_heard = started, False
        self.phase = "processing"
        await self.outbox.state("processing")
        question_id = self.listening_question
        followup = self.listening_followup
        ack: Say | None = None
        if typed_text is None and not partial:
            speech_s = capture.speech_seconds
            if capture.open_segment_start is not None:
                speech_s += capture.seconds - capture.open_segment_start
            early = machine.answer_ended(speech_s)
            ack = next((a for a in early if isinstance(a, Say)), None)
            if ack is not None:  # spoken at once; stored after the answer it follows
                await self.queue.put(Queued(ack, persist=False))
        words: list[dict[str, Any]] = []
        if typed_text is not None:
            capture.cancel()
            text = typed_text
        else:
            text, words = await capture.finalize()
        transcribed = time.perf_counter()
        question = self.content.bank.get(question_id) if question_id else None
        score = await asyncio.to_thread(score_or_none, self.content, question, text, words)
        scored = time.perf_counter()
        turn_id = await self._store_answer(
            question_id=question_id,
            kind="followup_answer" if followup else "answer",
            text=text,
            words=words,
            score=score,
            partial=partial,
            ack=ack,
        )
        await self.outbox.json({"type": "transcript", "final": True, "text": text})
        ANSWERS.labels(str(partial).lower()).inc()
        self.capture = None
        if not partial:
            self._enqueue(machine.answer_transcribed(text))
        log.info(
            "answer %s: words in %.0f ms, scored in %.0f ms, stored in %.0f ms",
            self.interview_id,
            (transcribed - started) * 1000,
            (scored - transcribed) * 1000,
            (time.perf_counter() - scored) * 1000,
        )
        if self.settings.store_audio and typed_text is None and len(capture.pcm) > 0:
            # The words are committed; the recording follows once the reply is on its way.
            await self._store_audio(turn_id, bytes(capture.pcm))

    async def _store_audio(self, turn_id: str, pcm: bytes) -> None:
        data, mime = await asyncio.to_thread(encode_answer_audio, pcm, self.settings.audio_codec)
        async with self.db_lock, self.sessionmaker.begin() as db:
            await TurnRepository(db).add_audio(
                turn_id, data=data, mime=mime, duration_s=len(pcm) / BYTES_PER_SECOND
            )

    async def _store_answer(
        self,
        *,
        question_id: str | None,
        kind: str,
        text: str,
        words: list[dict[str, Any]],
        score: dict[str, Any] | None,
        partial: bool,
        ack: Say | None,
    ) -> str:
        async with self.db_lock, self.sessionmaker.begin() as db:
            turns = TurnRepository(db)
            turn = await turns.add(
                interview_id=self.interview_id,
                speaker="candidate",
                kind=kind,
                text=text,
                question_id=question_id,
                started_at=self.listen_started_at,
                ended_at=utcnow(),
                words=words or None,
                partial=partial,
                score=score,
                rubric_id=score.get("rubric_id") if score else None,
                rubric_version=score.get("rubric_version") if score else None,
            )
            if ack is not None:
                await turns.add(
                    interview_id=self.interview_id,
                    speaker="interviewer",
                    kind=ack.kind,
                    text=ack.text,
                    question_id=question_id,
                )
            return turn.id

    async def _save_in_progress(self) -> None:
        """On disconnect: an answer being processed completes; one being spoken is kept partial."""
        with contextlib.suppress(Exception):
            if self.finishing is not None and not self.finishing.done():
                await asyncio.wait_for(asyncio.shield(self.finishing), timeout=30)
            elif self.phase == "listening" and self.capture and self.capture.segmenter.heard_speech:
                await asyncio.wait_for(self._finish_answer(partial=True), timeout=30)

    def _drop_capture(self) -> None:
        if self.capture is not None:
            self.capture.cancel()
        self.capture = None

    # -- speaking --------------------------------------------------------------------------

    def _enqueue(self, actions: list[Action]) -> None:
        assert self.machine is not None
        position = self.machine.snapshot()
        for i, action in enumerate(actions):
            next_is_listen = i + 1 < len(actions) and isinstance(actions[i + 1], Listen)
            self.queue.put_nowait(Queued(action, barge_in=next_is_listen, position=position))

    async def _speak_loop(self) -> None:
        while True:
            item = await self.queue.get()
            action = item.action
            if isinstance(action, Say):
                await self._say(action, item)
            elif isinstance(action, Listen):
                await self._listen_after_playback(action)
            elif isinstance(action, Finish):
                await self._finish_interview(action)

    async def _say(self, say: Say, item: Queued) -> None:
        if item.persist:
            await self._store_prompt(say, item.position)
        if say.kind == "wrap_up":  # said over a live answer: the candidate goes on talking
            await self.speaker.say(
                {"text": say.text, "kind": say.kind, "question_id": say.question_id}
            )
            return
        if self.phase != "speaking":
            self.phase = "speaking"
            await self.outbox.state("speaking")
        self.barge_armed = item.barge_in
        # Only talking over this prompt itself counts, not over the one still playing before it.
        self.barge_from = max(time.monotonic(), self.speaker.playback_until)
        self.barge_detector.reset()
        self.barge_vad.reset()
        self.barged_in.clear()
        self.preroll.clear()
        count = len(self.machine.questions) if self.machine else 0
        number = (self.machine.index + 1) if self.machine else 0
        first_audio = await self.speaker.say(
            {
                "text": say.text,
                "kind": say.kind,
                "question_id": say.question_id,
                "question_number": min(number, count),
                "question_count": count,
            }
        )
        self._observe_reply(say, first_audio)

    def _observe_reply(self, say: Say, first_audio: float | None) -> None:
        ended = self.answer_ended_at
        if ended is None or first_audio is None:
            return
        if not self.reply_heard:
            RESPONSE_SECONDS.observe(first_audio - ended)
            self.reply_heard = True
        if say.kind != "acknowledgement":
            NEXT_PROMPT_SECONDS.observe(first_audio - ended)
            self.answer_ended_at = None

    async def _listen_after_playback(self, listen: Listen) -> None:
        played = asyncio.ensure_future(self.speaker.until_played())
        barged = asyncio.ensure_future(self.barged_in.wait())
        await asyncio.wait({played, barged}, return_when=asyncio.FIRST_COMPLETED)
        played.cancel()
        barged.cancel()
        self.barge_armed = False
        question = self.content.bank.get(listen.question_id)
        prompt = self.machine.current_prompt if self.machine else None
        context = " ".join(
            part
            for part in (prompt.text if prompt else question.text, ", ".join(question.key_terms))
            if part
        )
        self.capture = AnswerCapture(
            self.speech, self.turn_settings, context, prompt=prompt.text if prompt else ""
        )
        self.listening_question = listen.question_id
        self.listening_followup = listen.followup
        self.listen_started_at = utcnow()
        self.phase = "listening"
        await self.outbox.state("listening")
        if self.plan.get("timed"):
            self._spawn(self._answer_timer(self.capture, int(self.plan["answer_seconds"])))
        if self.barged_in.is_set():
            preroll, self.preroll = list(self.preroll), deque()
            for frame in preroll:
                await self._on_audio(frame)

    async def _answer_timer(self, capture: AnswerCapture, seconds: int) -> None:
        """Timed mode: when the answer's time runs out, a gentle spoken wrap-up prompt."""
        await asyncio.sleep(seconds)
        if self.capture is capture and self.phase == "listening" and self.machine is not None:
            seed = int(self.plan.get("seed", 0)) + self.machine.index
            self._enqueue(self.machine.time_up(wrap_up_prompt(seed)))

    async def _finish_interview(self, finish: Finish) -> None:
        await self.speaker.until_played()
        async with self.db_lock, self.sessionmaker.begin() as db:
            repo = InterviewRepository(db)
            interview = await repo.get(self.interview_id, owner_id=self.owner_id)
            if interview is not None:
                await repo.set_status(interview, "finished")
        self.phase = "finished"
        self._release()
        await self.outbox.state("finished")
        await self.outbox.json(
            {"type": "finished", "reason": finish.reason, "review_url": self._review_url()}
        )

    async def _store_prompt(self, say: Say, position: dict[str, Any] | None) -> None:
        async with self.db_lock, self.sessionmaker.begin() as db:
            await TurnRepository(db).add(
                interview_id=self.interview_id,
                speaker="interviewer",
                kind=say.kind,
                text=say.text,
                question_id=say.question_id,
                ended_at=utcnow(),
            )
            if position is not None:
                repo = InterviewRepository(db)
                interview = await repo.get(self.interview_id, owner_id=self.owner_id)
                if interview is not None:
                    interview.plan = {**interview.plan, "position": position}

    async def _prefetch(self) -> None:
        """Synthesize every prompt this interview may say, one sentence per call, so speech
        needed now never waits behind more than one sentence."""
        assert self.machine is not None
        from interviewer.followup import RubricFollowups

        policy = self.machine.followups
        followups = policy.all_followups if isinstance(policy, RubricFollowups) else None
        synthesizer = self.speech.synthesizer
        for text in self.machine.known_prompts(followups):
            for sentence in split_sentences(text):
                if synthesizer.cache.peek((synthesizer.voice_id, sentence)) is None:
                    await self.speech.run_tts(synthesizer.synthesize_cached, sentence)

    # -- helpers ---------------------------------------------------------------------------

    def _admit(self) -> bool:
        """Admission control: running interviews keep their latency; a new one may wait."""
        state = self.websocket.app.state
        active = getattr(state, "active_interviews", 0)
        if active >= self.settings.max_interviews:
            return False
        state.active_interviews = active + 1
        self.counted_active = True
        ACTIVE_INTERVIEWS.inc()
        return True

    def _release(self) -> None:
        if self.counted_active:
            self.websocket.app.state.active_interviews -= 1
            self.counted_active = False
            ACTIVE_INTERVIEWS.dec()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("live interview task failed", exc_info=task.exception())

    def _review_url(self) -> str:
        return f"/interviews/{self.interview_id}"
