"""Where a run was measured, and how much of the CPU was someone else's."""

from __future__ import annotations

import time

from bench.system import LoadMeter, machine, versions


def test_the_benchmark_own_cpu_is_not_counted_as_foreign() -> None:
    meter = LoadMeter()
    meter.start()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:  # one core busy in this very process
        pass
    load = meter.stop()
    assert load["benchmark_cores"] > 0.5
    assert load["foreign_cores"] >= 0.0
    assert load["contaminated"] == (load["foreign_cores"] > load["threshold_cores"])


def test_machine_and_versions_name_what_the_report_needs() -> None:
    facts = machine()
    assert facts["logical_cores"] and facts["ram_bytes"] and facts["cpu_model"]
    assert {"faster-whisper", "ctranslate2", "whisperd"} <= set(versions())
