"""Streaming Silero voice activity: speech probabilities for 32 ms windows of 16 kHz audio."""

from __future__ import annotations

import functools
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16_000
WINDOW_SAMPLES = 512
WINDOW_SECONDS = WINDOW_SAMPLES / SAMPLE_RATE
# Silero v5+ sees the last 64 samples of the previous window in front of each window.
CONTEXT_SAMPLES = 64
_STATE_SHAPE = (1, 1, 128)


class OnnxSession(Protocol):
    def run(self, output_names: Any, input_feed: dict[str, Any]) -> list[Any]: ...


@functools.cache
def load_silero() -> OnnxSession:
    """The Silero VAD ONNX session bundled with faster-whisper, loaded once per process.

    onnxruntime sessions are safe to run from several threads; each stream keeps its own state.
    """
    from faster_whisper.vad import get_vad_model

    session: OnnxSession = get_vad_model().session
    return session


class StreamingVad:
    """Speech probability per 512-sample window for one audio stream fed in chunks of any size.

    Blocking (about 0.06 ms per window on 2 cores); the async edge calls it in an executor.
    """

    window_seconds = WINDOW_SECONDS

    def __init__(self, session: OnnxSession | None = None) -> None:
        self._session = session if session is not None else load_silero()
        self._pending = np.zeros(0, dtype=np.float32)
        self.reset()

    def reset(self) -> None:
        """Forget buffered audio and model state (start of a new, unrelated stream)."""
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    @property
    def buffered_samples(self) -> int:
        """Samples received but not yet scored (always fewer than one window)."""
        return int(self._pending.size)

    def probabilities(self, pcm_float: npt.ArrayLike) -> list[float]:
        """Speech probability for every complete window now available, oldest first.

        `pcm_float` is 16 kHz mono float audio of any length; a remainder shorter than a
        window is kept for the next call.
        """
        chunk = np.asarray(pcm_float, dtype=np.float32).reshape(-1)
        audio = np.concatenate([self._pending, chunk]) if self._pending.size else chunk
        window_count = audio.size // WINDOW_SAMPLES
        used = window_count * WINDOW_SAMPLES
        self._pending = audio[used:].copy()
        if window_count == 0:
            return []
        windows = audio[:used].reshape(window_count, WINDOW_SAMPLES)
        contexts = np.concatenate(
            [self._context[np.newaxis, :], windows[:-1, -CONTEXT_SAMPLES:]], axis=0
        )
        batch = np.ascontiguousarray(np.concatenate([contexts, windows], axis=1))
        # The model runs the batch rows in order as a sequence, carrying h/c between rows.
        probs, self._h, self._c = self._session.run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        self._context = windows[-1, -CONTEXT_SAMPLES:].copy()
        return [float(p) for p in np.asarray(probs).reshape(-1)]
