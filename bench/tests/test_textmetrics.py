import pytest

from bench.textmetrics import corpus_wer, normalise, wer


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
