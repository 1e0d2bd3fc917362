"""The interview as a pure state machine: events in, actions out. No I/O, no clocks.

greeting → question → listening → (acknowledgement) → at most one follow-up → next question
→ … → closing. The edge speaks `Say` actions in order, starts listening on `Listen` and
stores everything; it feeds back what the candidate did.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from interviewer.followup import FollowupPolicy
from interviewer.questions import Question

SayKind = Literal[
    "greeting", "question", "followup", "acknowledgement", "nudge", "wrap_up", "closing"
]


@dataclass(frozen=True)
class Say:
    kind: SayKind
    text: str
    question_id: str | None = None


@dataclass(frozen=True)
class Listen:
    question_id: str
    followup: bool = False


@dataclass(frozen=True)
class Finish:
    reason: Literal["completed", "stopped"] = "completed"


Action = Say | Listen | Finish

ACKNOWLEDGEMENTS = (
    "Thanks.",
    "Okay, thank you.",
    "Got it.",
    "Alright, thanks.",
    "Thank you.",
    "Okay.",
    "Understood, thanks.",
    "Right, thank you.",
)
NUDGE = "Take your time. I'm listening whenever you're ready — or say skip to move on."
REPEAT_LEAD = "Sure."
SKIP_LEAD = "No problem, let's move on."
CLOSING = (
    "That's the end of our interview. Thank you for your answers — "
    "your transcript and feedback are ready to review."
)
STOPPED = "Okay, let's stop here. Your answers so far are saved for review."

# A spoken answer shorter than this may be a request ("could you repeat that?"), so the edge
# waits for its words before acknowledging; longer answers are acknowledged at once.
SHORT_ANSWER_S = 3.0

_REPEAT = re.compile(
    r"\b(repeat|say (that|it) again|come again|one more time|didn'?t (catch|hear)|pardon)\b"
)
_SKIP = re.compile(r"\b(skip|next question|move on|pass on this|don'?t know this one)\b")


def spoken_command(text: str) -> Literal["repeat", "skip"] | None:
    """A short answer that is really a request to repeat or skip the question."""
    words = re.sub(r"[^a-z' ]", " ", text.lower()).split()
    if not words or len(words) > 10:
        return None
    sentence = " ".join(words)
    if _REPEAT.search(sentence):
        return "repeat"
    if _SKIP.search(sentence):
        return "skip"
    return None


def drill_greeting(count: int) -> str:
    times = "once" if count == 1 else f"{count} times"
    return (
        f"Let's practise. I'll ask this {times}; each time, try to cover what the last answer "
        "missed. Press Done or pause for a few seconds when you've finished."
    )


def greeting(role_title: str, round: str, count: int) -> str:
    kind = {"behavioral": "behavioral", "technical": "technical"}.get(round, "mixed")
    plural = "question" if count == 1 else "questions"
    return (
        f"Hi, and welcome. This is a {kind} interview for a {role_title} role, "
        f"with {count} {plural}. Take your time with each answer. "
        "When you've finished, press Done, or just pause for a few seconds. Let's begin."
    )


@dataclass
class InterviewMachine:
    questions: Sequence[Question]
    followups: FollowupPolicy
    role_title: str = "software"
    round: str = "mixed"
    seed: int = 0
    drill: bool = False  # the same question asked again and again
    index: int = 0
    followup_asked: bool = False
    current_prompt: Say | None = None
    acknowledged: bool = False
    nudged: bool = False
    state: Literal["idle", "listening", "answered", "finished"] = "idle"
    _rng: random.Random = field(init=False, repr=False)
    _last_ack: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.questions:
            raise ValueError("an interview needs at least one question")
        self._rng = random.Random(self.seed)

    # -- events ---------------------------------------------------------------------------

    def start(self) -> list[Action]:
        """Greeting and the first question; on a resumed interview, the current prompt again."""
        if self.state == "finished":
            return [Finish()]
        if self.index == 0 and not self.followup_asked and self.state == "idle":
            hello = Say("greeting", self._greeting())
            return [hello, *self._ask(self._question_prompt())]
        return self._ask(self.current_prompt or self._question_prompt())

    def answer_ended(self, speech_seconds: float) -> list[Action]:
        """The candidate finished speaking (Done or a patient silence); words still to come."""
        if self.state != "listening":
            return []
        self.state = "answered"
        self.acknowledged = speech_seconds >= SHORT_ANSWER_S
        return [Say("acknowledgement", self._acknowledgement())] if self.acknowledged else []

    def answer_transcribed(self, text: str) -> list[Action]:
        """The whole answer's words are known and stored: decide what comes next."""
        if self.state not in ("listening", "answered"):
            return []
        was_acknowledged = self.acknowledged and self.state == "answered"
        self.state = "answered"
        text = text.strip()
        if not was_acknowledged:
            command = spoken_command(text)
            if command == "repeat":
                return self.repeat()
            if command == "skip":
                return self.skip()
            if not text:
                return self._nudge_or_move_on()
        self.nudged = False
        lead: list[Action] = (
            [] if was_acknowledged else [Say("acknowledgement", self._acknowledgement())]
        )
        question = self.questions[self.index]
        if not self.followup_asked:
            followup = self.followups.choose(question, text)
            if followup:
                self.followup_asked = True
                return [*lead, *self._ask(Say("followup", followup, question.id))]
        return [*lead, *self._advance()]

    def answer_unrecognized(self) -> list[Action]:
        """The recognizer failed on the answer: listen again to the same prompt, unspoken, so
        the candidate can type the answer (or try speaking once more)."""
        if self.state not in ("listening", "answered") or self.current_prompt is None:
            return []
        self.state = "listening"
        self.acknowledged = False
        prompt = self.current_prompt
        assert prompt.question_id is not None
        return [Listen(prompt.question_id, followup=prompt.kind == "followup")]

    def repeat(self) -> list[Action]:
        if self.state == "finished" or self.current_prompt is None:
            return []
        return [Say("acknowledgement", REPEAT_LEAD), *self._ask(self.current_prompt)]

    def skip(self) -> list[Action]:
        if self.state == "finished":
            return []
        return [Say("acknowledgement", SKIP_LEAD), *self._advance()]

    def time_up(self, wrap_up_text: str) -> list[Action]:
        """Timed mode: the answer's time ran out; a gentle prompt, still listening."""
        if self.state != "listening" or self.current_prompt is None:
            return []
        return [Say("wrap_up", wrap_up_text, self.current_prompt.question_id)]

    def stop(self) -> list[Action]:
        if self.state == "finished":
            return []
        self.state = "finished"
        return [Say("closing", STOPPED), Finish("stopped")]

    # -- what the edge needs to know -------------------------------------------------------

    @property
    def current_question(self) -> Question | None:
        return self.questions[self.index] if self.index < len(self.questions) else None

    def known_prompts(self, followups_for: Any = None) -> list[str]:
        """Texts worth synthesizing ahead, in the order they are likely to be needed."""
        texts = [self._greeting(), *ACKNOWLEDGEMENTS]
        for question in self.questions:
            texts.append(question.text)
            if followups_for is not None:
                texts.extend(followups_for(question))
        texts.extend([REPEAT_LEAD, SKIP_LEAD, NUDGE, CLOSING, STOPPED])
        return list(dict.fromkeys(texts))

    def snapshot(self) -> dict[str, Any]:
        prompt = self.current_prompt
        return {
            "index": self.index,
            "followup_asked": self.followup_asked,
            "finished": self.state == "finished",
            "prompt": None if prompt is None else [prompt.kind, prompt.text, prompt.question_id],
        }

    def restore(self, snapshot: dict[str, Any]) -> None:
        self.index = int(snapshot.get("index", 0))
        self.followup_asked = bool(snapshot.get("followup_asked", False))
        prompt = snapshot.get("prompt")
        self.current_prompt = Say(prompt[0], prompt[1], prompt[2]) if prompt else None
        if snapshot.get("finished") or self.index >= len(self.questions):
            self.state = "finished"
        elif self.current_prompt is not None:
            self.state = "answered"  # start() asks the current prompt again

    # -- internals -------------------------------------------------------------------------

    def _greeting(self) -> str:
        if self.drill:
            return drill_greeting(len(self.questions))
        return greeting(self.role_title, self.round, len(self.questions))

    def _question_prompt(self) -> Say:
        question = self.questions[self.index]
        return Say("question", question.text, question.id)

    def _ask(self, prompt: Say) -> list[Action]:
        self.current_prompt = prompt
        self.state = "listening"
        self.acknowledged = False
        assert prompt.question_id is not None
        return [prompt, Listen(prompt.question_id, followup=prompt.kind == "followup")]

    def _advance(self) -> list[Action]:
        self.index += 1
        self.followup_asked = False
        self.nudged = False
        if self.index >= len(self.questions):
            self.state = "finished"
            self.current_prompt = None
            return [Say("closing", CLOSING), Finish()]
        return self._ask(self._question_prompt())

    def _nudge_or_move_on(self) -> list[Action]:
        if self.nudged:
            return self.skip()
        self.nudged = True
        self.state = "listening"
        question_id = self.questions[self.index].id
        return [Say("nudge", NUDGE, question_id), Listen(question_id, self.followup_asked)]

    def _acknowledgement(self) -> str:
        choices = [a for a in ACKNOWLEDGEMENTS if a != self._last_ack]
        self._last_ack = self._rng.choice(choices)
        return self._last_ack
