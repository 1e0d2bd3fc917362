"""Browser fixtures: Debian's Chromium driven by Playwright, one browser per test module."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Debian's chromium is needed for browser tests: apt-get install chromium")
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def silent_microphone(tmp_path_factory) -> Path:
    """A microphone in a quiet room: the candidate is thinking, nothing is answered."""
    return write_microphone(tmp_path_factory.mktemp("mic") / "silence.wav", bytes(16_000 * 2 * 5))


def write_microphone(path: Path, pcm16: bytes) -> Path:
    """A WAV (16 kHz mono PCM16) that Chromium loops as its microphone."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(pcm16)
    return path


async def launch_with_microphone(playwright: Any, chromium_path: str, microphone: Path) -> Any:
    """Headless Debian Chromium whose microphone plays `microphone`, permission granted."""
    return await playwright.chromium.launch(
        executable_path=chromium_path,
        args=[
            *CHROMIUM_FLAGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone}",
        ],
    )
