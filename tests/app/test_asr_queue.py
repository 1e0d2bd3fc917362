"""What the recognizer runs next, across interviews: finals first, batches never wait to fill,
captions bounded (app.asr_queue, pure); then Speech's thread running it, with fakes."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from app.asr_queue import AsrQueue
from app.runtime import CaptionSkipped, Speech


def queue(batch_max: int = 4, captions_max: int = 4) -> AsrQueue[str]:
    return AsrQueue(batch_max=batch_max, captions_max=captions_max)


def test_a_lone_request_runs_at_once_without_waiting_for_a_batch() -> None:
    q = queue()
    q.offer("final-a", final=True)

    assert q.take() == ["final-a"]
    assert q.take() == []


def test_waiting_requests_run_together_up_to_the_batch_size_oldest_first() -> None:
    q = queue(batch_max=3)
    for name in "abcde":
        q.offer(f"final-{name}", final=True)

    assert q.take() == ["final-a", "final-b", "final-c"]
    assert q.take() == ["final-d", "final-e"]
    assert len(q) == 0


def test_finals_go_before_captions_and_never_share_a_batch_with_them() -> None:
    q = queue()
    q.offer("caption-1", final=False)
    q.offer("final-a", final=True)
    q.offer("caption-2", final=False)
    q.offer("final-b", final=True)

    assert q.take() == ["final-a", "final-b"]
    assert q.take() == ["caption-1", "caption-2"]


def test_a_final_that_arrives_while_captions_wait_jumps_ahead_of_them() -> None:
    q = queue(batch_max=2)
    for n in range(3):
        q.offer(f"caption-{n}", final=False)
    assert q.take() == ["caption-0", "caption-1"]

    q.offer("final-a", final=True)

    assert q.take() == ["final-a"]
    assert q.take() == ["caption-2"]


def test_captions_beyond_the_limit_are_refused_and_finals_never_are() -> None:
    q = queue(captions_max=2)

    assert q.offer("caption-1", final=False)
    assert q.offer("caption-2", final=False)
    assert not q.offer("caption-3", final=False)
    for n in range(20):
        assert q.offer(f"final-{n}", final=True)
    assert (q.captions, q.finals) == (2, 20)

    q.take()  # finals only
    assert not q.offer("caption-4", final=False)
    while q.finals:
        q.take()
    assert q.take() == ["caption-1", "caption-2"]
    assert q.offer("caption-5", final=False)


def test_a_request_that_cannot_be_batched_runs_alone_in_its_turn() -> None:
    q = queue()
    q.offer("final-a", final=True)
    q.offer("scoring-recording", final=True, batchable=False)
    q.offer("final-b", final=True)

    assert q.take() == ["final-a", "final-b"]
    assert q.take() == ["scoring-recording"]

    q.offer("long", final=True, batchable=False)
    q.offer("final-c", final=True)
    assert q.take() == ["long"]
    assert q.take() == ["final-c"]


def test_drain_empties_the_queue_for_shutdown() -> None:
    q = queue()
    q.offer("final-a", final=True)
    q.offer("caption-1", final=False)

    assert q.drain() == ["final-a", "caption-1"]
    assert len(q) == 0 and q.take() == []


def test_limits_below_one_are_rejected() -> None:
    with pytest.raises(ValueError):
        AsrQueue(batch_max=0, captions_max=1)
    with pytest.raises(ValueError):
        AsrQueue(batch_max=1, captions_max=0)


# --- Speech's recognizer thread, with a fake recognizer ----------------------------------------


class FakeRecognizer:
    """Records what ran; audio "bad" fails; a batch with "bad" in it fails as a whole."""

    def __init__(self) -> None:
        self.ran: list[list[str]] = []
        self.gate = threading.Event()

    def transcribe(self, audio: np.ndarray, context: str = "") -> str:
        self.ran.append([context])
        if context == "bad":
            raise ValueError("cannot decode bad")
        return f"text of {context}"

    def transcribe_batch(self, items: list[tuple[np.ndarray, str]]) -> list[str]:
        contexts = [context for _audio, context in items]
        self.ran.append(contexts)
        if "bad" in contexts:
            raise ValueError("batch with bad")
        return [f"text of {context}" for context in contexts]

    def hold(self) -> str:
        """An unbatchable call that keeps the thread busy until `gate` is set."""
        self.gate.wait(5)
        return "held"


class OneAtATimeRecognizer:
    """A recognizer without transcribe_batch, as a remote one."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def transcribe(self, audio: np.ndarray, context: str = "") -> str:
        self.ran.append(context)
        return f"text of {context}"


AUDIO = np.zeros(16_000, dtype=np.float32)


def speech_with(recognizer: object, batch: int = 4, queue_max: int = 4) -> Speech:
    return Speech(recognizer=recognizer, synthesizer=None, asr_batch=batch, asr_queue_max=queue_max)


async def until_running(speech: Speech, fake: FakeRecognizer) -> asyncio.Task[str]:
    """Start a call that holds the thread, and wait until it runs."""
    held = asyncio.create_task(speech.run_asr(fake.hold))
    while speech.asr.pending != 1 or speech.asr._queue:
        await asyncio.sleep(0.005)
    return held


async def test_segments_waiting_together_are_decoded_in_one_batch_finals_first() -> None:
    fake = FakeRecognizer()
    speech = speech_with(fake)
    try:
        held = await until_running(speech, fake)
        caption = asyncio.create_task(speech.run_asr(fake.transcribe, AUDIO, "c1", final=False))
        await asyncio.sleep(0.01)
        finals = [
            asyncio.create_task(speech.run_asr(fake.transcribe, AUDIO, f"f{n}")) for n in range(2)
        ]
        await asyncio.sleep(0.01)
        assert speech.asr_pending == 4
        fake.gate.set()

        assert await held == "held"
        assert await asyncio.gather(*finals) == ["text of f0", "text of f1"]
        assert await caption == "text of c1"
        assert fake.ran == [["f0", "f1"], ["c1"]]
        assert speech.asr_pending == 0
    finally:
        speech.close()


async def test_a_failed_batch_is_retried_one_by_one_so_only_the_bad_segment_fails() -> None:
    fake = FakeRecognizer()
    speech = speech_with(fake)
    try:
        held = await until_running(speech, fake)
        calls = [
            asyncio.create_task(speech.run_asr(fake.transcribe, AUDIO, name))
            for name in ("good-1", "bad", "good-2")
        ]
        await asyncio.sleep(0.01)
        fake.gate.set()
        await held
        results = await asyncio.gather(*calls, return_exceptions=True)

        assert results[0] == "text of good-1"
        assert isinstance(results[1], ValueError) and "cannot decode bad" in str(results[1])
        assert results[2] == "text of good-2"
        assert fake.ran == [["good-1", "bad", "good-2"], ["good-1"], ["bad"], ["good-2"]]
    finally:
        speech.close()


async def test_captions_beyond_the_limit_are_skipped_and_finals_still_queue() -> None:
    fake = FakeRecognizer()
    speech = speech_with(fake, queue_max=1)
    try:
        held = await until_running(speech, fake)
        first = asyncio.create_task(speech.run_asr(fake.transcribe, AUDIO, "c1", final=False))
        await asyncio.sleep(0.01)

        with pytest.raises(CaptionSkipped):
            await speech.run_asr(fake.transcribe, AUDIO, "c2", final=False)
        final = asyncio.create_task(speech.run_asr(fake.transcribe, AUDIO, "f1"))
        await asyncio.sleep(0.01)
        fake.gate.set()

        assert await held == "held"
        assert await final == "text of f1"
        assert await first == "text of c1"
        assert fake.ran == [["f1"], ["c1"]]
    finally:
        speech.close()


async def test_a_recognizer_without_batches_gets_one_call_at_a_time() -> None:
    recognizer = OneAtATimeRecognizer()
    speech = speech_with(recognizer)
    try:
        results = await asyncio.gather(
            *(speech.run_asr(recognizer.transcribe, AUDIO, f"f{n}") for n in range(3))
        )

        assert results == ["text of f0", "text of f1", "text of f2"]
        assert sorted(recognizer.ran) == ["f0", "f1", "f2"]
    finally:
        speech.close()


async def test_long_audio_and_other_calls_run_alone() -> None:
    fake = FakeRecognizer()
    speech = speech_with(fake)
    try:
        held = await until_running(speech, fake)
        long_audio = np.zeros(31 * 16_000, dtype=np.float32)
        calls = [
            asyncio.create_task(speech.run_asr(fake.transcribe, AUDIO, "f1")),
            asyncio.create_task(speech.run_asr(fake.transcribe, long_audio, "long")),
            asyncio.create_task(speech.run_asr(fake.transcribe, AUDIO, "f2")),
        ]
        await asyncio.sleep(0.01)
        fake.gate.set()
        await held

        assert await asyncio.gather(*calls) == ["text of f1", "text of long", "text of f2"]
        assert fake.ran == [["f1", "f2"], ["long"]]
    finally:
        speech.close()


async def test_a_caller_that_gives_up_is_not_transcribed() -> None:
    fake = FakeRecognizer()
    speech = speech_with(fake)
    try:
        held = await until_running(speech, fake)
        gone = asyncio.create_task(speech.run_asr(fake.transcribe, AUDIO, "gone"))
        kept = asyncio.create_task(speech.run_asr(fake.transcribe, AUDIO, "kept"))
        await asyncio.sleep(0.01)
        gone.cancel()
        await asyncio.sleep(0.01)
        fake.gate.set()
        await held

        assert await kept == "text of kept"
        assert fake.ran == [["kept"]]
    finally:
        speech.close()


async def test_closing_cancels_waiting_calls_and_refuses_new_ones() -> None:
    fake = FakeRecognizer()
    speech = speech_with(fake)
    held = await until_running(speech, fake)
    waiting = asyncio.create_task(speech.run_asr(fake.transcribe, AUDIO, "f1"))
    await asyncio.sleep(0.01)

    speech.close()
    fake.gate.set()

    assert await held == "held"  # the running call finishes
    with pytest.raises(asyncio.CancelledError):
        await waiting
    with pytest.raises(RuntimeError):
        await speech.run_asr(fake.transcribe, AUDIO, "f2")
    assert fake.ran == []


async def test_two_workers_run_two_calls_at_once_and_one_worker_never_does() -> None:
    class Rendezvous:
        """transcribe returns only once two calls are inside it at the same time."""

        def __init__(self) -> None:
            self.barrier = threading.Barrier(2, timeout=2)

        def transcribe(self, audio: np.ndarray, context: str = "") -> str:
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                return "alone"
            return "together"

    for workers, expected in ((2, ["together", "together"]), (1, ["alone", "alone"])):
        recognizer = Rendezvous()
        speech = Speech(
            recognizer=recognizer,
            synthesizer=None,
            asr_batch=1,
            asr_queue_max=4,
            asr_workers=workers,
        )
        try:
            results = await asyncio.gather(
                *(speech.run_asr(recognizer.transcribe, AUDIO, f"f{n}") for n in range(2))
            )
        finally:
            speech.close()
        assert results == expected, workers


def test_an_ended_answer_goes_ahead_of_segments_closed_by_candidates_still_speaking() -> None:
    q = queue(batch_max=2)
    done, speaking = object(), object()
    q.offer("speaking-1", final=True, owner=speaking)
    q.offer("done-1", final=True, owner=done)
    q.offer("speaking-2", final=True, owner=speaking)

    q.hurry(done)
    q.offer("done-last", final=True, owner=done)  # the tail closed at Done: urgent at once

    assert q.take() == ["done-1", "done-last"]
    assert q.take() == ["speaking-1", "speaking-2"]


def test_urgent_finals_do_not_share_a_batch_with_ordinary_ones() -> None:
    q = queue(batch_max=4)
    done, speaking = object(), object()
    q.offer("speaking-1", final=True, owner=speaking)
    q.offer("done-1", final=True, owner=done)
    q.hurry(done)

    assert q.take() == ["done-1"]
    assert q.take() == ["speaking-1"]


def test_after_forget_an_owner_queues_as_an_ordinary_final_again() -> None:
    q = queue()
    owner = object()
    q.hurry(owner)
    q.forget(owner)
    q.offer("earlier", final=True)
    q.offer("later", final=True, owner=owner)

    assert q.take() == ["earlier", "later"]
    assert q.finals == 0


async def test_an_answer_that_ends_has_its_segments_decoded_before_other_candidates() -> None:
    fake = FakeRecognizer()
    speech = speech_with(fake, batch=2)
    speaking, done = object(), object()
    try:
        held = await until_running(speech, fake)
        calls = [
            asyncio.create_task(speech.run_asr(fake.transcribe, AUDIO, name, owner=owner))
            for name, owner in (("speaking-1", speaking), ("speaking-2", speaking), ("done", done))
        ]
        await asyncio.sleep(0.01)
        speech.hurry(done)
        fake.gate.set()
        await held
        await asyncio.gather(*calls)
        speech.forget(done)

        assert fake.ran == [["done"], ["speaking-1", "speaking-2"]]
    finally:
        speech.close()
