"""Helpers shared by the audio tests."""

import difflib
import re


def normalized(text: str) -> str:
    """Lower case words only, for comparing transcripts regardless of punctuation."""
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def words_heard_in_order(heard: str, said: str) -> int:
    """How many of the words said come back in the transcript, in their order."""
    matcher = difflib.SequenceMatcher(
        a=normalized(said).split(), b=normalized(heard).split(), autojunk=False
    )
    return sum(block.size for block in matcher.get_matching_blocks())
