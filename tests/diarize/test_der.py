from __future__ import annotations

import itertools

import numpy as np
import pytest

from bench.diarize.der import der, hungarian, speaker_mapping

REF = [(0.0, 4.0, "alice"), (4.0, 8.0, "bob"), (9.0, 12.0, "alice")]


def test_perfect_hypothesis_under_other_names_scores_zero() -> None:
    hyp = [(0.0, 4.0, "B"), (4.0, 8.0, "A"), (9.0, 12.0, "B")]
    assert der(REF, hyp, 12.0).der == pytest.approx(0.0)


def test_missed_and_false_alarm_are_counted_outside_the_collar() -> None:
    hyp = [(0.0, 4.0, "A"), (4.0, 8.0, "B"), (9.0, 10.0, "A"), (12.0, 14.0, "B")]
    parts = der(REF, hyp, 14.0, collar=0.25)
    # 9.0-12.0 scores 9.25-11.75; the hypothesis covers 9.25-10.0.
    assert parts.missed == pytest.approx(1.75, abs=0.02)
    assert parts.false_alarm == pytest.approx(1.75, abs=0.02)  # 12.25-14.0
    assert parts.confusion == pytest.approx(0.0)


def test_confusion_counts_speech_given_to_the_wrong_speaker() -> None:
    hyp = [(0.0, 12.0, "A")]
    parts = der(REF, hyp, 12.0, collar=0.0)
    assert parts.confusion == pytest.approx(4.0, abs=0.02)
    assert parts.total == pytest.approx(11.0, abs=0.02)


def test_mapping_pairs_speakers_by_overlap() -> None:
    hyp = [(0.0, 4.0, "B"), (4.0, 8.0, "A"), (9.0, 12.0, "B")]
    assert speaker_mapping(REF, hyp, 12.0) == {"B": "alice", "A": "bob"}


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2), (5, 5)])
def test_hungarian_matches_brute_force(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    cost = rng.random(shape)
    pairs = hungarian(cost)
    n, m = shape
    k = min(n, m)
    best = min(
        sum(cost[i, j] for i, j in zip(rows, cols, strict=True))
        for rows in itertools.permutations(range(n), k)
        for cols in itertools.permutations(range(m), k)
    )
    assert len(pairs) == min(n, m)
    assert sum(cost[i, j] for i, j in pairs) == pytest.approx(best)
