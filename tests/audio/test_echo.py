from audio.echo import echoes_prompt

PROMPT = "How would you design an API for idempotent payment creation?"


def test_the_prompt_coming_back_is_echo_even_misheard():
    assert echoes_prompt("how would you design an api for idempotent payment creation", PROMPT)
    assert echoes_prompt("would you design an a p i for idempotent payment", PROMPT)


def test_an_answer_is_not_echo_even_when_it_repeats_the_question():
    answer = (
        "so how would I design an API for idempotent payment creation well I would require "
        "a client generated idempotency key and store the first result"
    )
    assert not echoes_prompt(answer, PROMPT)
    assert not echoes_prompt("I would use an idempotency key stored in Postgres", PROMPT)


def test_short_snippets_are_never_called_echo():
    assert not echoes_prompt("payment creation", PROMPT)
    assert not echoes_prompt("", PROMPT)
