"""One answer's segments and the recognizer: one call of an answer in flight at a time, what
closes meanwhile goes in the next call together (app.live.capture), with a fake recognizer."""

from __future__ import annotations

import asyncio
import threading

import numpy as np

from app.live.capture import AnswerCapture
from app.runtime import Speech
from audio.recognizer import Transcript, Word
from audio.turns import TurnSettings

RATE = 16_000


class GatedRecognizer:
    """Answers with the length of the audio it got; holds every call until `gate` is set."""

    def __init__(self) -> None:
        self.heard_s: list[float] = []
        self.gate = threading.Event()

    def transcribe(self, audio: np.ndarray, context: str = "") -> Transcript:
        self.gate.wait(5)
        seconds = round(len(audio) / RATE, 2)
        self.heard_s.append(seconds)
        word = Word(f"[{seconds}s]", 0.0, seconds, 1.0)
        return Transcript(f"[{seconds}s]", [word], seconds, 0.01)


async def test_segments_that_close_during_a_call_go_together_in_the_next_one() -> None:
    recognizer = GatedRecognizer()
    speech = Speech(recognizer=recognizer, synthesizer=None, asr_batch=2, asr_queue_max=4)
    capture = AnswerCapture(speech, TurnSettings(), context="")
    capture.pcm.extend(bytes(2 * RATE * 20))  # 20 s of audio
    try:
        capture.close_segment(0.0, 2.0)  # the first segment goes alone (echo is judged alone)
        capture.close_segment(2.5, 5.0)  # these close while the first is being transcribed
        capture.close_segment(5.5, 8.0)
        await asyncio.sleep(0.05)
        recognizer.gate.set()
        text, words = await capture.finalize()
    finally:
        speech.close()

    assert recognizer.heard_s == [2.0, 5.5]  # 2.5-8.0 s in one call
    assert text == "[2.0s] [5.5s]"
    assert [w["start"] for w in words] == [0.0, 2.5]


async def test_an_idle_recognizer_transcribes_each_segment_as_it_closes() -> None:
    recognizer = GatedRecognizer()
    recognizer.gate.set()
    speech = Speech(recognizer=recognizer, synthesizer=None, asr_batch=2, asr_queue_max=4)
    capture = AnswerCapture(speech, TurnSettings(), context="")
    capture.pcm.extend(bytes(2 * RATE * 20))
    try:
        for start, end in ((0.0, 2.0), (2.5, 5.0), (5.5, 8.0)):
            capture.close_segment(start, end)
            while capture.pending:
                await asyncio.sleep(0.01)
        text, _words = await capture.finalize()
    finally:
        speech.close()

    assert recognizer.heard_s == [2.0, 2.5, 2.5]
    assert text == "[2.0s] [2.5s] [2.5s]"
