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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.websockets import WebSocket

from app.auth.accounts import AccountRepository
from app.db.models import new_id, utcnow
from app.db.repositories import InterviewRepository
from app.interviews import build_machine
from app.live.capture import BYTES_PER_SECOND, VAD_WINDOW_S, AnswerCapture
from app.live.outbox import Outbox
from app.live.pacing import AudioPacer
from app.live.speaker import Speaker
from app.live.storage import InterviewStore, held_stores, is_outage
from app.live.writes import answer_record, audio_record, prompt_record, status_record
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
from audio.errors import RecognizerFailedError
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
STORAGE_RETRY_S = 10
# How often a connection checks that the sign-in it was opened with still holds: a sign-out
# in another process (or the session expiring) closes it within this time.
SIGN_IN_CHECK_S = 30.0
SIGNED_OUT = (
    "You were signed out, so this interview stopped here; your answers so far are saved. "
    "Sign in again to go on."
)
ACCOUNT_DELETED = "Your interviews were deleted, so this one stopped here."
CLIENT_TYPES = {"start", "end_answer", "skip", "repeat", "text_answer", "stop"}


@dataclass
class Queued:
    action: Action
    barge_in: bool = False  # the prompt right before listening may be talked over
    persist: bool = True
    position: dict[str, Any] | None = None


def live_sessions(app: Any) -> dict[str, LiveInterview]:
    """The interviews with a connection in this process, by id."""
    sessions: dict[str, LiveInterview] | None = getattr(app.state, "live_sessions", None)
    if sessions is None:
        sessions = app.state.live_sessions = {}
    return sessions


def let_go_for(app: Any, interview_id: str, token: str) -> None:
    """Another process's new connection claimed an interview: a connection here lets go."""
    session = live_sessions(app).get(interview_id)
    if session is not None and session.token != token:
        session._spawn(session.leave())


def sign_out_connections(app: Any, sign_in_token: str) -> None:
    """A sign-in ended in this process: the connections opened with it close now (those of
    other processes within SIGN_IN_CHECK_S)."""
    _sign_out_where(app, lambda s: s.sign_in_token == sign_in_token, SIGNED_OUT)


def close_connections_of(
    app: Any, owner_id: str | None, message: str = ACCOUNT_DELETED, *, keeping: str | None = None
) -> None:
    """The owner's sign-ins ended (but the one with token `keeping`), or everything they
    stored is being deleted: their live interviews in this process end now."""
    _sign_out_where(
        app,
        lambda s: s.owner_id == owner_id and (keeping is None or s.sign_in_token != keeping),
        message,
    )


def _sign_out_where(app: Any, matches: Callable[[LiveInterview], bool], message: str) -> None:
    for session in list(live_sessions(app).values()):
        if matches(session):
            session._spawn(session.signed_out(message))


@dataclass
class LiveInterview:
    websocket: WebSocket
    interview_id: str
    owner_id: str | None
    settings: Settings
    speech: Speech
    content: Content
    sessionmaker: async_sessionmaker
    sign_in_token: str | None = None  # accounts mode: the session cookie it was opened with
    phase: str = "idle"
    machine: InterviewMachine | None = None
    capture: AnswerCapture | None = None
    queue: asyncio.Queue[Queued] = field(default_factory=asyncio.Queue)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.outbox = Outbox(self.websocket, send_timeout_s=self.settings.send_timeout_s)
        self.speaker = Speaker(self.outbox, self.speech)
        self.turn_settings = TurnSettings(
            end_silence_s=self.settings.end_silence_s,
            initial_silence_s=self.settings.initial_silence_s,
            segment_pause_s=self.settings.segment_pause_s,
            min_segment_s=self.settings.min_segment_s,
            long_segment_s=self.settings.long_segment_s,
        )
        # Set to end this connection from outside: another one took the interview over, or
        # its sign-in ended; the receive loop closes the socket with `cut_off_close`.
        self.cut_off = asyncio.Event()
        self.cut_off_close = (4409, "opened elsewhere")
        self.token = new_id()  # this connection, in take-over announcements
        self.ended = asyncio.Event()
        self.store = InterviewStore(self.sessionmaker, self.interview_id, self._storage_notice)
        self.unrecognized_pcm = bytearray()  # audio of answers the recognizer failed on
        self.pacer = AudioPacer(self.settings.audio_burst_s, self.settings.audio_max_speed)
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
        try:
            await self._run()
        finally:
            sessions = live_sessions(self.websocket.app)
            if sessions.get(self.interview_id) is self:
                del sessions[self.interview_id]
            await self.websocket.app.state.claims.release(self.interview_id, self.token)
            self.ended.set()

    async def _take_over(self) -> bool:
        """One connection per interview: a new one (a reload, a reconnect while the old socket
        still looks open) takes over; the old one saves its answer in progress first.

        True when another connection was let go (what is stored may have changed)."""
        sessions = live_sessions(self.websocket.app)
        previous = sessions.get(self.interview_id)
        sessions[self.interview_id] = self
        if previous is not None:
            await previous.leave()
        # Then across processes (through Redis when there is one).
        held_elsewhere = await self.websocket.app.state.claims.claim(self.interview_id, self.token)
        return previous is not None or bool(held_elsewhere)

    async def leave(self) -> None:
        await self.outbox.error(
            "opened_elsewhere",
            "This interview was opened in another window or connection; it goes on there.",
        )
        await self._cut_off(4409, "opened elsewhere")

    async def signed_out(self, message: str = SIGNED_OUT) -> None:
        """The sign-in this connection was opened with has ended (signed out, expired), or
        the owner's interviews are being deleted."""
        if self.cut_off.is_set():
            return
        await self.outbox.error("signed_out", message)
        await self._cut_off(4401, "signed out")

    async def _watch_sign_in(self, token: str) -> None:
        while True:
            await asyncio.sleep(SIGN_IN_CHECK_S)
            try:
                async with self.sessionmaker() as db:
                    still = await AccountRepository(db).signed_in(token)
            except Exception as error:
                if not is_outage(error):
                    raise
                continue  # an outage is not a sign-out: the interview goes on
            if still is None:
                await self.signed_out()
                return

    async def _cut_off(self, code: int, reason: str) -> None:
        self.cut_off_close = (code, reason)
        self.cut_off.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ended.wait(), timeout=35)

    async def _run(self) -> None:
        try:
            interview = await self._load_interview()
            # Only the interview's owner may take it over from another connection.
            if interview is not None and await self._take_over():
                interview = await self._load_interview()
        except Exception as error:
            if not is_outage(error):
                raise
            log.warning(
                "database unreachable when interview %s opened",
                self.interview_id,
                exc_info=error,
            )
            await self.outbox.error(
                "storage_unavailable",
                f"Viva cannot reach its database right now. Try again in {STORAGE_RETRY_S} s; "
                "your interview is kept.",
                retry_after=STORAGE_RETRY_S,
            )
            await self.websocket.close(code=1013)
            return
        if interview is None:
            await self.outbox.error("not_found", "No such interview.")
            await self.websocket.close(code=4404)
            return
        self.machine = build_machine(interview, self.content)
        self.plan = dict(interview.plan)
        if interview.status == "finished":
            self.phase = "finished"
        speaker_task = self._spawn(self._speak_loop())
        if self.sign_in_token is not None:
            self._spawn(self._watch_sign_in(self.sign_in_token))
        try:
            await self._receive_loop()
        finally:
            speaker_task.cancel()
            await self._save_in_progress()
            self._release()
            for task in list(self.tasks):
                task.cancel()
            self._hand_over_held_writes()

    async def _load_interview(self) -> Any:
        held = held_stores(self.websocket.app).get(self.interview_id)
        if held is not None:
            # A previous connection's answers wait for the database: they land first, so this
            # one resumes where the candidate really is.
            if not await held.wait_saved(timeout=STORAGE_RETRY_S):
                raise TimeoutError("answers of an earlier connection are still held")
            held_stores(self.websocket.app).pop(self.interview_id, None)
        async with self.sessionmaker() as db:
            return await InterviewRepository(db).get(self.interview_id, owner_id=self.owner_id)

    def _hand_over_held_writes(self) -> None:
        """The candidate left during an outage: the process keeps retrying their answers."""
        if self.store.holding:
            stores, store = held_stores(self.websocket.app), self.store

            def saved() -> None:
                if stores.get(self.interview_id) is store:
                    del stores[self.interview_id]

            store.notify = None
            stores[self.interview_id] = store
            store.keep_trying(then=saved)

    async def _receive_loop(self) -> None:
        stalled = asyncio.ensure_future(self.outbox.stalled.wait())
        cut_off = asyncio.ensure_future(self.cut_off.wait())
        try:
            while True:
                receiving = asyncio.ensure_future(self.websocket.receive())
                await asyncio.wait(
                    {receiving, stalled, cut_off}, return_when=asyncio.FIRST_COMPLETED
                )
                if not receiving.done():  # stopped reading, or cut off: the session ends
                    receiving.cancel()
                    if cut_off.done():
                        await self.outbox.close(*self.cut_off_close)
                    return
                message = receiving.result()
                if message["type"] == "websocket.disconnect":
                    return
                await self._on_message(message)
        finally:
            stalled.cancel()
            cut_off.cancel()

    async def _on_message(self, message: Any) -> None:
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
        await self._write_status("active", only_from="created")
        # Resuming: the prompt asked again is already in the transcript, with the position.
        resumed = "position" in self.plan
        self._enqueue(self.machine.start(), persist=not resumed)
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
        wait = self.pacer.delay(len(frame) / BYTES_PER_SECOND, time.monotonic())
        if wait > 0:  # faster than real time: stop reading for a while, TCP holds the sender
            await asyncio.sleep(wait)
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
            try:
                text, words = await capture.finalize()
            except RecognizerFailedError as error:
                if not partial:
                    await self._answer_unrecognized(capture, error)
                    return
                text = ""  # a partial answer is kept as its recording
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
        asr_ms = round((transcribed - started) * 1000, 1)
        score_ms = round((scored - transcribed) * 1000, 1)
        store_ms = round((time.perf_counter() - scored) * 1000, 1)
        log.info(
            "answer %s: words in %.0f ms, scored in %.0f ms, stored in %.0f ms",
            self.interview_id,
            asr_ms,
            score_ms,
            store_ms,
            extra={
                "interview_id": self.interview_id,
                "question_id": question_id,
                "asr_ms": asr_ms,
                "score_ms": score_ms,
                "store_ms": store_ms,
                "typed": typed_text is not None,
                "partial": partial,
            },
        )
        pcm = bytes(self.unrecognized_pcm) + (bytes(capture.pcm) if typed_text is None else b"")
        self.unrecognized_pcm.clear()
        if self.settings.store_audio and pcm:
            # The words are committed; the recording follows once the reply is on its way.
            await self._store_audio(turn_id, pcm)

    async def _answer_unrecognized(self, capture: AnswerCapture, error: Exception) -> None:
        """The recognizer failed: the audio is kept, the candidate types the answer (or speaks
        again), and the interview goes on from there."""
        assert self.machine is not None
        log.error("recognizer failed in interview %s: %s", self.interview_id, error)
        self.unrecognized_pcm.extend(capture.pcm)
        self.capture = None
        self._enqueue(self.machine.answer_unrecognized())
        await self.outbox.error(
            "asr_failed",
            "Viva could not turn that answer into text: speech recognition is not working "
            "right now. Type your answer in the box below, or try saying it again.",
        )

    async def _store_audio(self, turn_id: str, pcm: bytes) -> None:
        data, mime = await asyncio.to_thread(encode_answer_audio, pcm, self.settings.audio_codec)
        duration_s = len(pcm) / BYTES_PER_SECOND
        await self.store.write(
            audio_record(self.interview_id, turn_id, data=data, mime=mime, duration_s=duration_s)
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
        record = answer_record(
            self.interview_id,
            kind=kind,
            text=text,
            question_id=question_id,
            started_at=self.listen_started_at,
            words=words,
            partial=partial,
            score=score,
            ack=(ack.kind, ack.text) if ack is not None else None,
        )
        await self.store.write(record)
        return str(record["turn_id"])

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

    def _enqueue(self, actions: list[Action], persist: bool = True) -> None:
        assert self.machine is not None
        position = self.machine.snapshot()
        for i, action in enumerate(actions):
            next_is_listen = i + 1 < len(actions) and isinstance(actions[i + 1], Listen)
            queued = Queued(action, barge_in=next_is_listen, persist=persist, position=position)
            self.queue.put_nowait(queued)

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
        await self._write_status("finished")
        self.phase = "finished"
        self._release()
        await self.outbox.state("finished")
        await self.outbox.json(
            {"type": "finished", "reason": finish.reason, "review_url": self._review_url()}
        )

    async def _store_prompt(self, say: Say, position: dict[str, Any] | None) -> None:
        record = prompt_record(
            self.interview_id,
            kind=say.kind,
            text=say.text,
            question_id=say.question_id,
            position=position,
        )
        await self.store.write(record)

    async def _write_status(self, status: str, only_from: str | None = None) -> None:
        await self.store.write(status_record(self.interview_id, status, only_from=only_from))

    async def _storage_notice(self, state: str, held: int) -> None:
        if state == "delayed":
            message = (
                "Viva cannot reach its database right now. Your answers are kept on this "
                "server and will be saved as soon as it is back; carry on."
            )
        else:
            message = "Your answers are saved."
        notice = {"type": "storage", "state": state, "held": held, "message": message}
        await self.outbox.json(notice)

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
            log.error(
                "live interview task failed",
                exc_info=task.exception(),
                extra={"interview_id": self.interview_id},
            )

    def _review_url(self) -> str:
        return f"/interviews/{self.interview_id}"
