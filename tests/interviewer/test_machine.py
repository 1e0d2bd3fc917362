import itertools

from interviewer.followup import ShortAnswerFollowups
from interviewer.machine import (
    ACKNOWLEDGEMENTS,
    Finish,
    InterviewMachine,
    Listen,
    Say,
    spoken_command,
)
from interviewer.questions import Question

Q1 = Question(
    id="q.failure",
    text="Tell me about a time you failed.",
    type="behavioral",
    role="general",
    rubric="star",
    followups=("What did you learn from it?",),
)
Q2 = Question(
    id="q.rate-limiter",
    text="How would you design a rate limiter?",
    type="technical",
    role="backend-engineer",
    rubric="backend.rate-limiter",
    followups=("What happens if Redis is down?",),
)
LONG_ANSWER = " ".join(["word"] * 80)


def machine(**kwargs) -> InterviewMachine:
    return InterviewMachine(
        [Q1, Q2], ShortAnswerFollowups(), role_title="Backend Engineer", **kwargs
    )


def says(actions):
    return [(a.kind, a.text) for a in actions if isinstance(a, Say)]


def test_start_greets_then_asks_one_question_and_listens():
    actions = machine().start()
    assert [a.kind for a in actions if isinstance(a, Say)] == ["greeting", "question"]
    assert "Backend Engineer" in actions[0].text
    assert actions[1].text == Q1.text
    assert actions[-1] == Listen(Q1.id, followup=False)


def test_a_drill_is_greeted_as_practice_not_as_an_interview():
    m = InterviewMachine([Q1, Q1, Q1], ShortAnswerFollowups(), drill=True)
    hello = m.start()[0]
    assert hello.kind == "greeting" and "3 times" in hello.text and "interview" not in hello.text
    assert hello.text in m.known_prompts()


def test_long_answer_is_acknowledged_at_once_then_next_question():
    m = machine()
    m.start()
    first = m.answer_ended(speech_seconds=40)
    assert len(first) == 1 and first[0].kind == "acknowledgement"
    assert first[0].text in ACKNOWLEDGEMENTS
    rest = m.answer_transcribed(LONG_ANSWER)
    # no second acknowledgement, straight to the next question
    assert says(rest) == [("question", Q2.text)]
    assert rest[-1] == Listen(Q2.id)


def test_short_answer_gets_one_followup_then_moves_on():
    m = machine()
    m.start()
    m.answer_ended(speech_seconds=5)
    actions = m.answer_transcribed("I broke the build once.")
    assert says(actions) == [("followup", "What did you learn from it?")]
    assert actions[-1] == Listen(Q1.id, followup=True)
    m.answer_ended(speech_seconds=5)
    actions = m.answer_transcribed("I learned to test.")
    # at most one follow-up per question: the next question comes even after a short answer
    assert says(actions) == [("question", Q2.text)]


def test_short_speech_waits_for_words_and_honours_spoken_repeat():
    m = machine()
    m.start()
    assert m.answer_ended(speech_seconds=1.2) == []
    actions = m.answer_transcribed("could you repeat the question please")
    assert says(actions) == [("acknowledgement", "Sure."), ("question", Q1.text)]
    assert actions[-1] == Listen(Q1.id)


def test_spoken_skip_moves_to_next_question():
    m = machine()
    m.start()
    m.answer_ended(speech_seconds=1.0)
    actions = m.answer_transcribed("um can we skip this one")
    assert says(actions)[-1] == ("question", Q2.text)


def test_silence_nudges_once_then_moves_on():
    m = machine()
    m.start()
    m.answer_ended(speech_seconds=0)
    first = m.answer_transcribed("")
    assert [a.kind for a in first if isinstance(a, Say)] == ["nudge"]
    assert first[-1] == Listen(Q1.id)
    m.answer_ended(speech_seconds=0)
    second = m.answer_transcribed("")
    assert says(second)[-1] == ("question", Q2.text)


def test_last_answer_closes_and_finishes():
    m = machine()
    m.start()
    m.answer_ended(40)
    m.answer_transcribed(LONG_ANSWER)
    m.answer_ended(40)
    actions = m.answer_transcribed(LONG_ANSWER)
    assert [a.kind for a in actions if isinstance(a, Say)] == ["closing"]
    assert actions[-1] == Finish()
    assert m.state == "finished"
    assert m.answer_ended(5) == [] and m.start() == [Finish()]


def test_buttons_repeat_skip_and_stop():
    m = machine()
    m.start()
    assert says(m.repeat()) == [("acknowledgement", "Sure."), ("question", Q1.text)]
    assert says(m.skip())[-1] == ("question", Q2.text)
    stop = m.stop()
    assert stop[-1] == Finish("stopped") and m.state == "finished"
    assert m.stop() == []


def test_acknowledgements_vary_and_are_deterministic_per_seed():
    def acks(seed: int) -> list[str]:
        m = InterviewMachine([Q1, Q2] * 3, ShortAnswerFollowups(min_words=0), seed=seed)
        m.start()
        out = []
        for _ in range(6):
            out.append(m.answer_ended(30)[0].text)
            m.answer_transcribed(LONG_ANSWER)
        return out

    first = acks(7)
    assert first == acks(7)
    assert all(a != b for a, b in itertools.pairwise(first))
    assert len(set(first)) >= 3


def test_events_out_of_order_are_ignored():
    m = machine()
    assert m.answer_ended(10) == []  # not listening yet
    assert m.answer_transcribed("hello") == []


def test_snapshot_restore_resumes_at_current_prompt():
    m = machine()
    m.start()
    m.answer_ended(5)
    m.answer_transcribed("short")  # follow-up asked
    restored = machine()
    restored.restore(m.snapshot())
    actions = restored.start()
    assert says(actions) == [("followup", "What did you learn from it?")]
    restored.answer_ended(30)
    assert says(restored.answer_transcribed(LONG_ANSWER)) == [("question", Q2.text)]


def test_time_up_gives_wrap_up_and_keeps_listening():
    m = machine()
    m.start()
    actions = m.time_up("Let's wrap that one up.")
    assert says(actions) == [("wrap_up", "Let's wrap that one up.")]
    assert m.state == "listening"


def test_spoken_command_only_for_short_requests():
    assert spoken_command("Can you repeat that?") == "repeat"
    assert spoken_command("skip") == "skip"
    assert spoken_command("let's move on to the next question") == "skip"
    long = "I would repeat the request with the same idempotency key so the server " * 2
    assert spoken_command(long) is None
    assert spoken_command("") is None


def test_known_prompts_cover_everything_the_machine_says():
    m = machine()
    known = set(m.known_prompts(lambda q: list(q.followups)))
    spoken = set()
    spoken.update(t for _, t in says(m.start()))
    m.answer_ended(5)
    spoken.update(t for _, t in says(m.answer_transcribed("short")))
    m.answer_ended(40)
    spoken.update(t for _, t in says(m.answer_transcribed(LONG_ANSWER)))
    assert spoken <= known


def test_unrecognized_answer_listens_again_to_the_same_prompt_without_speaking():
    m = machine()
    m.start()
    m.answer_ended(speech_seconds=40)  # acknowledged, then the recognizer fails
    again = m.answer_unrecognized()
    assert again == [Listen(Q1.id, followup=False)]
    # the typed answer that follows is judged afresh: acknowledged, then the next question
    rest = m.answer_transcribed(LONG_ANSWER)
    assert says(rest)[0][0] == "acknowledgement" and says(rest)[-1] == ("question", Q2.text)


def test_unrecognized_answer_is_ignored_when_not_answering():
    m = machine()
    assert m.answer_unrecognized() == []
    m.start()
    m.stop()
    assert m.answer_unrecognized() == []
