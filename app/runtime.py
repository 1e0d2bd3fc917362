"""What is heavy in a process: models, executors, content. Built in lifespan, never at import."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.metrics import ASR_QUEUE, ASR_SECONDS
from app.settings import Settings

log = logging.getLogger("viva.runtime")
T = TypeVar("T")


@dataclass
class Speech:
    """The speech models and the threads they run on.

    Each model gets one thread: its calls queue in order and never fight each other for
    the two cores; the event loop only waits on futures.
    """

    recognizer: Any
    synthesizer: Any
    asr_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="viva-asr")
    )
    tts_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="viva-tts")
    )
    vad_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="viva-vad")
    )

    asr_pending: int = 0  # recognizer calls queued or running, across all interviews

    async def run_asr(self, fn: Callable[..., T], *args: Any) -> T:
        started = time.perf_counter()
        ASR_QUEUE.inc()
        self.asr_pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.asr_pool, fn, *args)
        finally:
            self.asr_pending -= 1
            ASR_QUEUE.dec()
            ASR_SECONDS.observe(time.perf_counter() - started)

    async def run_tts(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.tts_pool, fn, *args)

    async def run_vad(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.vad_pool, fn, *args)

    def close(self) -> None:
        for pool in (self.asr_pool, self.tts_pool, self.vad_pool):
            pool.shutdown(wait=False, cancel_futures=True)


def load_speech(settings: Settings) -> Speech:
    """Blocking: load the recognizer, the voice and the VAD (about a second on 2 cores)."""
    from audio.recognizer import Recognizer
    from audio.synthesizer import Synthesizer
    from audio.vad import load_silero

    started = time.perf_counter()
    recognizer = Recognizer.load(settings.asr_model, cpu_threads=settings.asr_threads)
    synthesizer = Synthesizer.load(settings.tts_voice, cache_bytes=settings.tts_cache_mb << 20)
    load_silero()
    log.info("speech models loaded in %.2f s", time.perf_counter() - started)
    return Speech(recognizer=recognizer, synthesizer=synthesizer)


@dataclass
class Content:
    """Question banks and rubrics, validated on load."""

    bank: Any
    rubrics: dict[str, Any]


def load_content(settings: Settings) -> Content:
    from interviewer.bank import load_banks
    from rubrics import load_rubrics

    return Content(bank=load_banks(settings.banks_dir), rubrics=load_rubrics(settings.rubrics_dir))
