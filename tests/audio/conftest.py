"""Shared fixtures: real models are loaded once per test session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from audio.codecs import decode_file, pcm16_to_float, resample
from audio.recognizer import Recognizer
from audio.synthesizer import Synthesizer

JFK_PATH = Path("/work/shared/data/jfk.flac")


@pytest.fixture(scope="session")
def jfk_audio() -> np.ndarray:
    if not JFK_PATH.is_file():
        pytest.skip(f"test recording {JFK_PATH} is not available")
    return decode_file(JFK_PATH)


@pytest.fixture(scope="session")
def recognizer() -> Recognizer:
    return Recognizer.load()


@pytest.fixture(scope="session")
def synthesizer() -> Synthesizer:
    return Synthesizer.load()


@pytest.fixture
def fresh_synthesizer(synthesizer: Synthesizer) -> Synthesizer:
    """The shared voice with an empty cache."""
    synthesizer.cache.clear()
    return synthesizer


@pytest.fixture(scope="session")
def speak_16k(synthesizer: Synthesizer) -> Callable[[str], np.ndarray]:
    """Text to 16 kHz float speech in the piper voice (a stand-in candidate)."""

    def speak(text: str) -> np.ndarray:
        pcm = synthesizer.synthesize(text)
        return resample(pcm16_to_float(pcm), synthesizer.sample_rate, 16000)

    return speak
