"""Is what the microphone heard just the interviewer's own voice coming back?

Browsers cancel echo, but not always (speakers turned up, no headset). Whatever reaches the
recognizer is checked against what the interviewer last said: a segment that is mostly the
prompt's own words, in order, is echo and never becomes part of an answer.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

MIN_WORDS = 3  # shorter snippets ("okay", "thank you") are too common to call echo
ECHO_SHARE = 0.7  # share of the heard words that must come, in order, from the prompt


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def echoes_prompt(heard: str, prompt: str) -> bool:
    heard_words, prompt_words = words_of(heard), words_of(prompt)
    if len(heard_words) < MIN_WORDS or not prompt_words:
        return False
    matcher = SequenceMatcher(a=heard_words, b=prompt_words, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return matched / len(heard_words) >= ECHO_SHARE
