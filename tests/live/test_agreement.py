"""LocalAgreement-n over successive hypotheses of a growing turn."""

from __future__ import annotations

import pytest
from whisperd.live.agreement import LocalAgreement, TimedWord, normalise


def hyp(text: str, start: float = 0.0, step: float = 0.4) -> list[TimedWord]:
    """Timed words for ``text``, one every ``step`` seconds, with Whisper's leading spaces."""
    return [
        TimedWord(f" {word}", start + i * step, start + i * step + step * 0.8)
        for i, word in enumerate(text.split())
    ]


def test_one_hypothesis_confirms_nothing() -> None:
    agreement = LocalAgreement()
    assert agreement.update(hyp("and so my")) == ""
    assert agreement.confirmed_text == ""


def test_two_hypotheses_confirm_their_common_prefix() -> None:
    agreement = LocalAgreement()
    agreement.update(hyp("and so my fellow"))
    assert agreement.update(hyp("and so my fell oh Americans")) == "and so my"
    assert [w.word for w in agreement.unconfirmed()] == [" fell", " oh", " Americans"]


def test_comparison_ignores_case_and_punctuation_but_emits_the_newest_text() -> None:
    agreement = LocalAgreement()
    agreement.update(hyp("and so, my fellow"))
    assert agreement.update(hyp("And so my Fellow, americans")) == "And so my Fellow,"


def test_n_three_needs_three_agreeing_hypotheses() -> None:
    agreement = LocalAgreement(n=3)
    agreement.update(hyp("ask not"))
    assert agreement.update(hyp("ask not what")) == ""
    assert agreement.update(hyp("ask not what your")) == "ask not"


def test_deltas_are_appended_with_their_spaces() -> None:
    agreement = LocalAgreement()
    deltas = [
        agreement.update(hyp(text))
        for text in ["ask", "ask not", "ask not what", "ask not what your"]
    ]
    assert deltas == ["", "ask", " not", " what"]
    assert "".join(deltas) == agreement.confirmed_text == "ask not what"


def test_confirmed_words_are_never_withdrawn() -> None:
    agreement = LocalAgreement()
    agreement.update(hyp("ask not what your"))
    agreement.update(hyp("ask not what your country"))
    before = agreement.confirmed_text
    # A re-decode rewrites the confirmed words: they stay as they were.
    agreement.update(hyp("ask knot watt you're country can"))
    agreement.update(hyp("ask knot watt you're country can do"))
    assert agreement.confirmed_text.startswith(before)
    assert agreement.confirmed_text == "ask not what your country can"


def test_a_changed_confirmed_word_is_aligned_past() -> None:
    agreement = LocalAgreement()
    agreement.update(hyp("the birch canoe"))
    agreement.update(hyp("the birch canoe slid"))
    assert agreement.update(hyp("the burch canoe slid on")) == " slid"
    assert agreement.update(hyp("the burch canoe slid on the")) == " on"


def test_a_dropped_confirmed_word_is_aligned_by_time() -> None:
    agreement = LocalAgreement()
    agreement.update(hyp("the birch canoe"))
    agreement.update(hyp("the birch canoe slid"))  # confirms "the birch canoe" (ends 0.96 s)
    # The re-decode lost "canoe": "slid" lies after it in time, so it is new.
    dropped = [*hyp("the birch"), *hyp("slid on", start=1.2)]
    assert agreement.update(dropped) == " slid"
    assert [w.word for w in agreement.unconfirmed()] == [" on"]


def test_an_extra_word_inside_the_confirmed_time_is_not_repeated() -> None:
    agreement = LocalAgreement()
    agreement.update(hyp("the birch canoe"))
    agreement.update(hyp("the birch canoe slid"))
    # "canoe" became "can you": "you" overlaps the confirmed "canoe" in time.
    changed = [*hyp("the birch can"), TimedWord(" you", 0.9, 0.95), *hyp("slid", start=1.2)]
    assert agreement.update(changed) == " slid"
    assert agreement.confirmed_text == "the birch canoe slid"


def test_finish_returns_the_rest_so_the_turn_text_joins_exactly() -> None:
    agreement = LocalAgreement()
    for text in ["ask not", "ask not what", "ask not what your"]:
        agreement.update(hyp(text))
    before = agreement.confirmed_text
    rest = agreement.finish(hyp("Ask not what your country can do for you."))
    assert before + rest == agreement.confirmed_text == "ask not what your country can do for you."
    assert rest == " your country can do for you."


def test_finish_without_confirmed_words_is_the_final_text() -> None:
    agreement = LocalAgreement()
    agreement.update(hyp("hello"))
    assert agreement.finish(hyp("Hello there.")) == "Hello there."


def test_finish_with_a_final_that_rewrote_a_confirmed_word() -> None:
    agreement = LocalAgreement()
    agreement.update(hyp("he hoped there would"))
    agreement.update(hyp("he hoped there would be"))
    before = agreement.confirmed_text
    rest = agreement.finish(hyp("He hoped their would be stew for dinner."))
    assert before + rest == "he hoped there would be stew for dinner."


def test_every_delta_joins_exactly_to_the_final_text() -> None:
    sequence = [
        "and",
        "and so",
        "and so my",
        "and so my fellow",
        "and so, my fellow Americans",
        "And so my fellow Americans, ask",
        "And so my fellow Americans, ask not",
        "And so my fellow Americans, ask not what",
    ]
    agreement = LocalAgreement()
    deltas = [agreement.update(hyp(text)) for text in sequence]
    deltas.append(
        agreement.finish(hyp("And so, my fellow Americans, ask not what your country can do."))
    )
    assert "".join(deltas) == agreement.confirmed_text
    assert (
        agreement.confirmed_text == "and so my fellow Americans, ask not what your country can do."
    )


def test_no_update_after_finish() -> None:
    agreement = LocalAgreement()
    agreement.finish(hyp("done"))
    with pytest.raises(RuntimeError):
        agreement.update(hyp("more"))
    with pytest.raises(RuntimeError):
        agreement.finish(hyp("more"))


@pytest.mark.parametrize(
    ("a", "b"), [(" Hello,", "hello"), (" ASK", " ask"), (" don't", "dont"), (" U.S.", " us")]
)
def test_normalised_words_match(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


def test_different_words_do_not_match() -> None:
    assert normalise(" their") != normalise(" there")


def test_hold_back_keeps_the_newest_last_words_open() -> None:
    agreement = LocalAgreement(hold_back=1)
    agreement.update(hyp("ask not what"))
    assert agreement.update(hyp("ask not what")) == "ask not"
    assert agreement.update(hyp("ask not what. your")) == " what."


def test_a_trimmed_final_is_not_aligned_to_a_phrase_said_earlier() -> None:
    # The final decode of a long turn hears only the audio after the confirmed words; its
    # "your" must not be taken for the "your" said seconds before.
    agreement = LocalAgreement()
    text = "what your country can do for you ask what you can do"
    agreement.update(hyp(text))
    agreement.update(hyp(f"{text} for"))
    end = agreement.confirmed[-1].end
    assert agreement.confirmed_text == text
    assert agreement.finish(hyp("for your country.", start=end + 0.05, step=0.3)) == (
        " for your country."
    )
