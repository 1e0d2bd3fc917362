"""What is heavy in a process: models, executors, content. Built in lifespan, never at import."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import numpy as np

from app.asr_queue import AsrQueue
from app.metrics import ASR_BATCH_SIZE, ASR_CAPTIONS_SKIPPED, ASR_QUEUE, ASR_SECONDS
from app.settings import Settings, get_settings

log = logging.getLogger("viva.runtime")
T = TypeVar("T")


class CaptionSkipped(Exception):
    """Too many captions already wait for the recognizer: skip this one (finals never are)."""


@dataclass
class Speech:
    """The speech models and the threads they run on.

    Each model gets one thread, so calls never fight each other for the two cores; the event
    loop only waits on futures. The recognizer's thread serves every interview of the process
    from one bounded queue (app.asr_queue) and decodes waiting segments together.
    """

    recognizer: Any
    synthesizer: Any
    # Unless given: from the environment (VIVA_ASR_BATCH, VIVA_ASR_QUEUE_MAX).
    asr_batch: int = field(default_factory=lambda: get_settings().asr_batch)
    asr_queue_max: int = field(default_factory=lambda: get_settings().asr_queue_max)
    asr_workers: int = 1  # recognizer threads; the recognizer must run that many at once
    asr_hurry: bool = True  # ended answers first (VIVA_ASR_HURRY)
    tts_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="viva-tts")
    )
    vad_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="viva-vad")
    )

    def __post_init__(self) -> None:
        self.asr = AsrBatcher(
            self.recognizer, self.asr_batch, self.asr_queue_max, workers=self.asr_workers
        )

    @property
    def asr_pending(self) -> int:
        """Recognizer calls waiting or running, across all interviews."""
        return self.asr.pending

    async def run_asr(
        self, fn: Callable[..., T], *args: Any, final: bool = True, owner: object = None
    ) -> T:
        """`fn(*args)` on the recognizer's thread.

        A call of `recognizer.transcribe(audio[, context])` on up to 30 s of audio may be
        decoded in one batch with other waiting segments; anything else runs alone in its
        turn. `final=False` marks a caption: it waits behind every final, and when too many
        captions wait it is not queued at all (raises CaptionSkipped). `owner` is a token of
        the answer the call belongs to, for `hurry`.
        """
        job = _AsrJob(Future())
        if fn == getattr(self.recognizer, "transcribe", None) and _fits_a_batch(args):
            job.audio, job.context = args[0], (args[1] if len(args) > 1 else "")
        else:
            job.call = functools.partial(fn, *args)
        if not self.asr.submit(job, final=final, owner=owner):
            ASR_CAPTIONS_SKIPPED.inc()
            raise CaptionSkipped
        started = time.perf_counter()
        ASR_QUEUE.inc()
        try:
            return cast(T, await asyncio.wrap_future(job.future))
        finally:
            ASR_QUEUE.dec()
            ASR_SECONDS.observe(time.perf_counter() - started)

    def hurry(self, owner: object) -> None:
        """The answer `owner` stands for has ended and someone waits: its calls go first."""
        if self.asr_hurry:
            self.asr.hurry(owner)

    def forget(self, owner: object) -> None:
        """`owner`'s answer is transcribed (or given up): stop hurrying its calls."""
        self.asr.forget(owner)

    async def run_tts(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.tts_pool, fn, *args)

    async def run_vad(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.vad_pool, fn, *args)

    def close(self) -> None:
        self.asr.close()
        for pool in (self.tts_pool, self.vad_pool):
            pool.shutdown(wait=False, cancel_futures=True)
        close_recognizer = getattr(self.recognizer, "close", None)  # a remote one's connections
        if close_recognizer is not None:
            close_recognizer()


def _fits_a_batch(args: tuple[Any, ...]) -> bool:
    """(audio) or (audio, context) of at most BATCH_MAX_SECONDS: longer audio runs alone."""
    from audio.recognizer import BATCH_MAX_SECONDS, SAMPLE_RATE

    if not 1 <= len(args) <= 2 or (len(args) == 2 and not isinstance(args[1], str)):
        return False
    return bool(np.size(args[0]) <= BATCH_MAX_SECONDS * SAMPLE_RATE)


@dataclass(eq=False)
class _AsrJob:
    future: Future[Any]
    call: Callable[[], Any] | None = None  # not a batchable transcription: run as it is
    audio: Any = None
    context: str = ""


class AsrBatcher:
    """The recognizer's thread: runs what AsrQueue.take decides, one batch at a time.

    Started by the first request. Callers wait on concurrent futures, so interviews on any
    event loop (tests run several) share it. A batch that fails is retried one segment at a
    time, so one bad segment fails only its own caller.
    """

    def __init__(
        self, recognizer: Any, batch_max: int, captions_max: int, workers: int = 1
    ) -> None:
        self.recognizer = recognizer
        self.workers = workers
        self._queue: AsrQueue[_AsrJob] = AsrQueue(batch_max, captions_max)
        self._changed = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._running = 0
        self._closed = False

    @property
    def pending(self) -> int:
        with self._changed:
            return len(self._queue) + self._running

    def submit(self, job: _AsrJob, *, final: bool, owner: object = None) -> bool:
        """Queue a job; False when it is a caption the queue refuses."""
        with self._changed:
            if self._closed:
                raise RuntimeError("the recognizer is shut down")
            if not self._queue.offer(job, final=final, batchable=job.call is None, owner=owner):
                return False
            if not self._threads:
                for number in range(self.workers):
                    thread = threading.Thread(
                        target=self._work, name=f"viva-asr-{number}", daemon=True
                    )
                    thread.start()
                    self._threads.append(thread)
            self._changed.notify()
            return True

    def hurry(self, owner: object) -> None:
        with self._changed:
            self._queue.hurry(owner)

    def forget(self, owner: object) -> None:
        with self._changed:
            self._queue.forget(owner)

    def close(self) -> None:
        """Stop after the running batch; waiting callers get CancelledError."""
        with self._changed:
            self._closed = True
            waiting = self._queue.drain()
            self._changed.notify_all()
        for job in waiting:
            job.future.cancel()

    def _work(self) -> None:
        while True:
            with self._changed:
                while not self._queue and not self._closed:
                    self._changed.wait()
                if self._closed:
                    return
                jobs = self._queue.take()
                self._running += len(jobs)
            try:
                self._run([job for job in jobs if job.future.set_running_or_notify_cancel()])
            except BaseException as error:  # the thread must outlive any failure
                log.exception("recognizer thread error")
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(error)
            finally:
                with self._changed:
                    self._running -= len(jobs)

    def _run(self, jobs: list[_AsrJob]) -> None:
        if not jobs:
            return
        ASR_BATCH_SIZE.observe(len(jobs))
        if jobs[0].call is not None:  # AsrQueue gives such a job alone
            _settle(jobs[0], jobs[0].call)
            return
        transcribe_batch = getattr(self.recognizer, "transcribe_batch", None)
        if transcribe_batch is not None and len(jobs) > 1:
            try:
                results = transcribe_batch([(job.audio, job.context) for job in jobs])
                if len(results) != len(jobs):
                    raise RuntimeError(f"{len(results)} transcripts for {len(jobs)} segments")
            except Exception:
                log.exception("a batch of %d segments failed; retrying one by one", len(jobs))
            else:
                for job, result in zip(jobs, results, strict=True):
                    job.future.set_result(result)
                return
        for job in jobs:
            _settle(job, functools.partial(self.recognizer.transcribe, job.audio, job.context))


def _settle(job: _AsrJob, call: Callable[[], Any]) -> None:
    try:
        result = call()
    except Exception as error:
        job.future.set_exception(error)
    else:
        job.future.set_result(result)


def load_recognizer(settings: Settings) -> Any:
    """Blocking: Whisper in this process, or the service at VIVA_ASR_URL (no Whisper here)."""
    from audio.recognizer import Recognizer
    from audio.remote import RemoteRecognizer

    if settings.asr_url:
        remote = RemoteRecognizer(
            settings.asr_url,
            api_key=settings.asr_api_key,
            model=settings.asr_remote_model,
            timeout_s=settings.asr_timeout_s,
        )
        log.info("speech recognition on another node: %s (model %s)", remote.url, remote.model)
        return remote
    # Each worker gets its share of the threads: two 1-thread calls side by side outrun one
    # 2-thread call at a time under load (see docs/benchmarks.md).
    threads = max(1, settings.asr_threads // settings.asr_workers)
    return Recognizer.load(settings.asr_model, cpu_threads=threads, workers=settings.asr_workers)


def load_speech(settings: Settings) -> Speech:
    """Blocking: load the recognizer, the voice and the VAD (about a second on 2 cores)."""
    from audio.synthesizer import Synthesizer
    from audio.vad import load_silero

    started = time.perf_counter()
    recognizer = load_recognizer(settings)
    synthesizer = Synthesizer.load(settings.tts_voice, cache_bytes=settings.tts_cache_mb << 20)
    load_silero()
    log.info("speech models loaded in %.2f s", time.perf_counter() - started)
    return Speech(
        recognizer=recognizer,
        synthesizer=synthesizer,
        asr_batch=settings.asr_batch,
        asr_queue_max=settings.asr_queue_max,
        asr_workers=settings.asr_workers,
        asr_hurry=settings.asr_hurry,
    )


@dataclass
class Content:
    """Question banks and rubrics, validated on load."""

    bank: Any
    rubrics: dict[str, Any]


def load_content(settings: Settings) -> Content:
    from interviewer.bank import load_banks
    from rubrics import load_rubrics

    return Content(bank=load_banks(settings.banks_dir), rubrics=load_rubrics(settings.rubrics_dir))
