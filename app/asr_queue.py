"""Which recognizer requests run next, across every interview of the process (pure: no threads,
no clock; app.runtime.Speech holds the lock and runs what `take` returns).

- Urgent finals go first: those of an answer that has ended, whose interview waits for them
  to reply (`hurry`). Then other finals (a closed segment's words, needed only when the answer
  ends), then captions; each tier runs oldest first and a batch never mixes tiers. Under load a
  candidate who is done waits for the running batch and their own, not for every segment that
  other candidates closed while still speaking.
- A batch is whatever is waiting, up to `batch_max`: nothing waits for a batch to fill.
- A batch with a final in it takes no caption: a caption would make the finals' batch longer.
  Captions run together when no final waits, so under load they degrade first.
- At most `captions_max` captions wait; one more is refused at once (the interview skips that
  caption and offers the next one later). Finals are never refused.
- A request that cannot share a batch (not the recognizer's own transcribe, or audio too long)
  runs alone, in its turn.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, eq=False)  # compared by identity: payloads may hold audio arrays
class AsrRequest(Generic[T]):
    payload: T
    final: bool
    batchable: bool = True
    owner: object = None  # a hashable token of the answer it belongs to (see hurry)


class AsrQueue(Generic[T]):
    def __init__(self, batch_max: int, captions_max: int) -> None:
        if batch_max < 1 or captions_max < 1:
            raise ValueError("batch_max and captions_max must be at least 1")
        self.batch_max = batch_max
        self.captions_max = captions_max
        self._urgent: deque[AsrRequest[T]] = deque()
        self._finals: deque[AsrRequest[T]] = deque()
        self._captions: deque[AsrRequest[T]] = deque()
        self._hurried: set[object] = set()  # owners whose answer has ended (hashable tokens)

    def offer(
        self, payload: T, *, final: bool, batchable: bool = True, owner: object = None
    ) -> bool:
        """Queue a request; False when it is a caption and `captions_max` already wait.

        A final of an owner that was hurried is urgent at once.
        """
        if not final and len(self._captions) >= self.captions_max:
            return False
        request = AsrRequest(payload, final, batchable, owner)
        if not final:
            self._captions.append(request)
        elif owner is not None and owner in self._hurried:
            self._urgent.append(request)
        else:
            self._finals.append(request)
        return True

    def hurry(self, owner: object) -> None:
        """`owner`'s answer ended: its waiting finals, and those it offers later, are urgent.

        Call `forget(owner)` once it has what it waited for.
        """
        self._hurried.add(owner)
        moving = [request for request in self._finals if request.owner is owner]
        for request in moving:
            self._finals.remove(request)
        self._urgent.extend(moving)

    def forget(self, owner: object) -> None:
        self._hurried.discard(owner)

    def take(self) -> list[T]:
        """The next batch (empty when nothing waits), removed from the queue."""
        waiting = self._urgent or self._finals or self._captions
        if not waiting:
            return []
        if not waiting[0].batchable:
            return [waiting.popleft().payload]
        taken = [request for request in waiting if request.batchable][: self.batch_max]
        for request in taken:
            waiting.remove(request)
        return [request.payload for request in taken]

    def drain(self) -> list[T]:
        """Everything waiting, removed (at shutdown)."""
        payloads = [request.payload for request in (*self._urgent, *self._finals, *self._captions)]
        for waiting in (self._urgent, self._finals, self._captions):
            waiting.clear()
        self._hurried.clear()
        return payloads

    @property
    def finals(self) -> int:
        return len(self._urgent) + len(self._finals)

    @property
    def captions(self) -> int:
        return len(self._captions)

    def __len__(self) -> int:
        return len(self._urgent) + len(self._finals) + len(self._captions)
