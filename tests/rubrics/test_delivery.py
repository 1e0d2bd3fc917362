from __future__ import annotations

from rubrics import TimedWord
from rubrics.delivery import delivery_metrics


def timed(text: str, *, step: float = 0.4, gaps: dict[int, float] | None = None) -> list[TimedWord]:
    words: list[TimedWord] = []
    clock = 0.0
    for index, word in enumerate(text.split()):
        clock += (gaps or {}).get(index, 0.0)
        words.append(TimedWord(word, clock, clock + step * 0.8))
        clock += step
    return words


def test_words_per_minute_from_first_to_last_word() -> None:
    words = [TimedWord(f"w{i}", i * 0.5, i * 0.5 + 0.4) for i in range(120)]
    metrics = delivery_metrics(words, "technical")
    assert metrics["duration_seconds"] == 59.9
    assert 119 < metrics["words_per_minute"] < 121
    assert metrics["pace"] == "steady"


def test_fillers_are_counted_per_kind_and_per_minute() -> None:
    text = "um so i like python uh and it was like you know sort of slow um really"
    metrics = delivery_metrics(timed(text, step=2.0), "technical")
    counts = metrics["fillers"]["counts"]
    assert counts == {"um": 2, "like": 1, "sort of": 1, "uh": 1, "you know": 1}
    assert metrics["fillers"]["total"] == 6
    minutes = metrics["duration_seconds"] / 60
    assert abs(metrics["fillers"]["per_minute"] - round(6 / minutes, 1)) < 0.11


def test_fillers_with_recogniser_punctuation_still_count() -> None:
    metrics = delivery_metrics(
        timed("Um, I rolled it back. Uh... then, like, it worked."), "technical"
    )
    assert metrics["fillers"]["counts"] == {"like": 1, "uh": 1, "um": 1}


def test_long_pauses_are_reported_with_their_position() -> None:
    words = timed("i checked the logs and then found the bug", gaps={4: 2.5, 7: 1.0})
    pauses = delivery_metrics(words, "technical")["long_pauses"]
    assert len(pauses) == 1
    assert pauses[0]["after_word"] == "logs"
    assert pauses[0]["after_word_index"] == 3
    assert pauses[0]["seconds"] > 2


def test_length_is_judged_against_the_question_type() -> None:
    ninety_seconds = [TimedWord("word", i * 1.0, i * 1.0 + 0.5) for i in range(91)]
    assert delivery_metrics(ninety_seconds, "behavioral")["target"]["verdict"] == "within"
    three_minutes = [TimedWord("word", i * 1.0, i * 1.0 + 0.5) for i in range(150)]
    behavioral = delivery_metrics(three_minutes, "behavioral")["target"]
    technical = delivery_metrics(three_minutes, "technical")["target"]
    assert (behavioral["verdict"], behavioral["max_seconds"]) == ("long", 120)
    assert (technical["verdict"], technical["max_seconds"]) == ("within", 180)
    assert delivery_metrics(timed("too short"), "behavioral")["target"]["verdict"] == "short"


def test_hedging_phrases_are_listed() -> None:
    text = "i think we could maybe use redis but i'm not sure and i guess it might work"
    hedges = delivery_metrics(timed(text), "technical")["hedges"]
    assert hedges["counts"] == {
        "i guess": 1,
        "i think": 1,
        "i'm not sure": 1,
        "maybe": 1,
        "might": 1,
    }
    assert hedges["total"] == 5


def test_no_words_gives_zeroes() -> None:
    metrics = delivery_metrics([], "behavioral")
    assert metrics["word_count"] == 0
    assert metrics["words_per_minute"] == 0
    assert metrics["fillers"]["total"] == 0


def test_metrics_describe_observable_behaviour_only() -> None:
    metrics = delivery_metrics(timed("um i think maybe it was the cache"), "technical")
    flat = repr(metrics).lower()
    for word in ("confiden", "nervous", "anxious", "insecure"):
        assert word not in flat
