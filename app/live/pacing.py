"""Backpressure on incoming audio: a client may not send faster than real time for long.

A token bucket of audio seconds: a burst (a reconnect flushing its buffer, network jitter) is
taken at once; beyond it, frames are read no faster than `max_speed` × real time. The edge
sleeps for the delay before reading on, so a fast sender is held back by TCP, not by memory,
and cannot take the speech threads from the other interviews.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AudioPacer:
    burst_s: float = 5.0
    max_speed: float = 1.25
    _tokens: float | None = None
    _last: float = 0.0

    def delay(self, frame_s: float, now: float) -> float:
        """Seconds to wait before taking a frame of `frame_s` seconds that arrived at `now`."""
        if self._tokens is None:
            self._tokens, self._last = self.burst_s, now
        elapsed = max(0.0, now - self._last)
        self._tokens = min(self.burst_s, self._tokens + elapsed * self.max_speed)
        self._last = now
        self._tokens -= frame_s
        if self._tokens >= 0:
            return 0.0
        # In debt: the wait refills exactly what this frame overdrew.
        return -self._tokens / self.max_speed
