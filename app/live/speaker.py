"""The interviewer's voice on one connection: prompts become PCM frames, sent in order.

The server never hears the playback end, so it keeps its own clock of when the browser will
have finished playing what was sent (audio is sent faster than real time).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from app.live.outbox import Outbox
from app.runtime import Speech
from audio.synthesizer import split_sentences

CHUNK_SECONDS = 0.25
# Browsers schedule the first buffer a little late; listening starts after this margin too.
PLAYBACK_MARGIN_S = 0.15


class Speaker:
    def __init__(self, outbox: Outbox, speech: Speech) -> None:
        self.outbox = outbox
        self.speech = speech
        self.rate: int = speech.synthesizer.sample_rate
        self.playback_until = 0.0  # time.monotonic() when the browser stops playing
        self.first_audio_at: float | None = None

    async def say(self, message: dict[str, object]) -> float | None:
        """Send one `say`: the JSON header, the audio as it is synthesized, then `say_end`.

        Returns when its first audio was sent (time.perf_counter()), None if it had none."""
        text = str(message["text"])
        await self.outbox.json({**message, "type": "say", "sample_rate": self.rate})
        first_audio: float | None = None
        async for pcm in self._audio(text):
            if first_audio is None:
                first_audio = time.perf_counter()
            await self._send_pcm(pcm)
        await self.outbox.json({"type": "say_end"})
        return first_audio

    async def until_played(self) -> None:
        delay = self.playback_until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def interrupt(self) -> None:
        """The candidate barged in: the browser stops playback now."""
        self.playback_until = time.monotonic()

    @property
    def playing(self) -> bool:
        return time.monotonic() < self.playback_until

    async def _audio(self, text: str) -> AsyncIterator[bytes]:
        # Sentence by sentence: what was synthesized ahead is sent at once, the rest is
        # synthesized as it is needed, so the first sentence plays while the next one is made.
        synthesizer = self.speech.synthesizer
        for sentence in split_sentences(text):
            cached = synthesizer.cache.get((synthesizer.voice_id, sentence))
            if cached is None:
                cached = await self.speech.run_tts(synthesizer.synthesize_cached, sentence)
            yield cached

    async def _send_pcm(self, pcm: bytes) -> None:
        chunk = int(self.rate * CHUNK_SECONDS) * 2
        now = time.monotonic()
        if self.playback_until < now:
            self.playback_until = now + PLAYBACK_MARGIN_S
        self.playback_until += len(pcm) / (2 * self.rate)
        for offset in range(0, len(pcm), chunk):
            await self.outbox.audio(pcm[offset : offset + chunk])
