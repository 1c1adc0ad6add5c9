import pytest

from bench.textmetrics import corpus_wer, normalise, part_errors, wer


def test_case_and_punctuation_do_not_count_as_errors() -> None:
    assert wer("HE COULD WAIT NO LONGER", "He could wait no longer.") == 0.0


def test_spelled_numbers_match_digits_after_normalising() -> None:
    assert normalise("twenty one") == normalise("21")


def test_an_empty_hypothesis_is_all_deletions() -> None:
    assert wer("one two three four", "") == 1.0


def test_corpus_rate_weights_files_by_their_words() -> None:
    pairs = [("a b c d e f g h i j", "a b c d e f g h i j"), ("hello", "goodbye")]
    assert corpus_wer(pairs) == pytest.approx(1 / 11)


def test_a_corpus_without_reference_words_is_refused() -> None:
    with pytest.raises(ValueError):
        corpus_wer([("", "anything")])


def test_errors_are_told_apart_by_the_part_they_fall_in() -> None:
    parts = [("first", "red green blue black"), ("second", "cat dog cow hen")]
    first, second = part_errors(parts, "red green black cat extra dog cow pen")
    assert (first.words, first.substitutions, first.deletions, first.insertions) == (4, 0, 1, 0)
    assert (second.substitutions, second.deletions, second.insertions) == (1, 0, 1)
    assert second.wer == pytest.approx(2 / 4)


def test_a_part_left_out_of_the_hypothesis_is_all_deletions() -> None:
    parts = [("kept", "alpha beta gamma"), ("lost", "delta epsilon zeta eta")]
    kept, lost = part_errors(parts, "alpha beta gamma")
    assert kept.wer == 0.0
    assert lost.deletions == 4 and lost.wer == 1.0
