"""The issue's targets read from a results dict: each verdict follows its threshold."""

from __future__ import annotations

import typing as t

from bench.targets import evaluate


def verdicts(results: dict[str, t.Any]) -> dict[str, bool | None]:
    return {row["target"]: row["met"] for row in evaluate(results)}


def find(results: dict[str, t.Any], start: str) -> bool | None:
    matches = [met for target, met in verdicts(results).items() if target.startswith(start)]
    assert len(matches) == 1, verdicts(results)
    return matches[0]


def test_an_overhead_above_five_percent_is_a_miss(results: dict[str, t.Any]) -> None:
    assert find(results, "HTTP json ≤ 1.05") is False
    results["models"]["base"]["files"]["summary"]["json_over_engine_median"] = 1.02
    assert find(results, "HTTP json ≤ 1.05") is True


def test_first_delta_is_checked_against_fifteen_percent(results: dict[str, t.Any]) -> None:
    assert find(results, "first delta ≤ 0.15") is True
    results["models"]["base"]["files"]["summary"]["first_delta"][0]["ratio"] = 0.16
    assert find(results, "first delta") is False


def test_stream_wer_may_exceed_json_wer_by_half_a_point(results: dict[str, t.Any]) -> None:
    wers = results["models"]["base"]["files"]["summary"]["wer"]
    wers["stream"] = wers["json"] + 0.004
    assert find(results, "stream WER") is True
    wers["stream"] = wers["json"] + 0.006
    assert find(results, "stream WER") is False


def test_first_delta_on_short_files_only_is_not_judged(results: dict[str, t.Any]) -> None:
    results["models"]["base"]["files"]["summary"]["first_delta_from_long_files"] = False
    assert find(results, "first delta") is None


def test_throughput_under_one_and_a_half_times_one_client_is_a_miss(
    results: dict[str, t.Any],
) -> None:
    assert find(results, "throughput at 4 clients") is True
    assert find(results, "throughput at 8 clients") is False


def test_loaded_throughput_with_other_texts_than_alone_is_a_miss(
    results: dict[str, t.Any],
) -> None:
    level = results["models"]["base"]["throughput"][1]
    level["same_text_as_alone"] = {"same": 20, "compared": 24}
    level["wer"], results["models"]["base"]["throughput"][0]["wer"] = 0.08, 0.05
    assert find(results, "throughput at 4 clients") is False


def test_batched_winning_while_the_server_does_not_batch_is_a_miss(
    results: dict[str, t.Any],
) -> None:
    assert find(results, "batched decoding") is False
    results["server_uses_batched"] = True
    assert find(results, "batched decoding") is True


def test_batched_on_less_than_two_minutes_gets_no_verdict(results: dict[str, t.Any]) -> None:
    results["models"]["base"]["batched"]["clip"]["duration_s"] = 60.0
    assert find(results, "batched decoding") is None


def test_memory_and_startup_thresholds(results: dict[str, t.Any]) -> None:
    assert find(results, "RSS growth") is True
    assert find(results, "only the models in use") is True
    assert find(results, "ready ≤ 3 s") is False


def test_failed_and_unavailable_parts_give_no_verdict(results: dict[str, t.Any]) -> None:
    results["models"]["base"]["memory"] = {"error": "memory: boom"}
    assert not [t for t in verdicts(results) if t.startswith("RSS growth")]
    assert all(row["model"] == "base" for row in evaluate(results))


def test_batched_under_one_point_seven_times_sequential_is_a_miss(
    results: dict[str, t.Any],
) -> None:
    assert find(results, "batched long audio") is False  # 30 s / 20 s: 1.5 ×
    results["models"]["base"]["batched"]["results"][1]["seconds"] = 17.0
    assert find(results, "batched long audio") is True


def test_a_faster_batched_run_with_more_than_one_point_of_wer_is_a_miss(
    results: dict[str, t.Any],
) -> None:
    fast = results["models"]["base"]["batched"]["results"][1]
    fast["seconds"], fast["wer"] = 10.0, 0.095
    assert find(results, "batched long audio") is False
