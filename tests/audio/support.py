"""Helpers shared by the audio tests."""

import re


def normalized(text: str) -> str:
    """Lower case words only, for comparing transcripts regardless of punctuation."""
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))
