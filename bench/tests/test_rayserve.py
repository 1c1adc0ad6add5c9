"""The Ray Serve benchmark's arithmetic and report (the run itself needs Ray: make bench-ray)."""

from __future__ import annotations

import math

from bench.rayserve import markdown, per_file_overhead


def test_overhead_is_the_ratio_of_per_file_medians() -> None:
    direct = {"a": [1.0, 1.2, 5.0], "b": [2.0, 2.0, 2.0]}
    ray = {"a": [1.1, 1.1, 1.1], "b": [2.2, 9.0, 2.4]}
    overhead = per_file_overhead(direct, ray)
    assert math.isclose(overhead["files"]["a"]["ratio"], 1.1 / 1.2)
    assert math.isclose(overhead["files"]["b"]["ratio"], 2.4 / 2.0)
    assert math.isclose(overhead["median_ratio"], (1.1 / 1.2 + 1.2) / 2)
    assert overhead["met"] is False


def test_the_report_says_a_missed_target_is_missed() -> None:
    overhead = per_file_overhead({"a": [1.0]}, {"a": [1.5]})
    load = {"throughput": 10.0, "latency": {"p50": 1.0}, "statuses": {"200": 4}}
    result = {
        "model": "tiny.en", "beam_size": 1, "files": [{}], "repeats": 1, "clients": 2,
        "requests": 4, "overhead": overhead, "loadavg_at_end": [0.5, 0.5, 0.5],
        "machine": {"cpu_model": "cpu", "logical_cores": 2}, "versions": {"ray": "2.60.0"},
        "steal_cores": 0.25, "wall_seconds": 600.0,
        "throughput": {"whisperd alone, 1 x 2": load},
    }  # fmt: skip
    report = markdown(result)
    assert "| a | 1.000 | 1.500 | 1.500 |" in report
    assert (
        "MISSED" in report and "Steal time (other virtual machines on these cores) 0.25" in report
    )
    assert "| whisperd alone, 1 x 2 | 10.00 | 1.00 | {'200': 4} |" in report
