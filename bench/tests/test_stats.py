import math

from bench.stats import median, percentile, ratio, summary


def test_percentile_interpolates_between_closest_ranks() -> None:
    samples = [4.0, 1.0, 3.0, 2.0]
    assert percentile(samples, 0.0) == 1.0
    assert percentile(samples, 1.0) == 4.0
    assert percentile(samples, 0.5) == 2.5
    assert math.isclose(percentile(samples, 0.95), 3.85)


def test_median_of_an_odd_sample_is_its_middle() -> None:
    assert median([5.0, 1.0, 3.0]) == 3.0


def test_summary_of_nothing_says_so() -> None:
    assert summary([]) == {"n": 0}


def test_summary_reports_p50_and_p95() -> None:
    result = summary([float(i) for i in range(1, 101)])
    assert result["n"] == 100
    assert result["p50"] == 50.5
    assert math.isclose(result["p95"], 95.05)


def test_ratio_by_zero_is_nan_not_an_exception() -> None:
    assert math.isnan(ratio(1.0, 0.0))
