"""The markdown report: honest labels, every model side by side, failures shown as gaps."""

from __future__ import annotations

import typing as t

from bench.report import render, summary_table


def test_a_quiet_full_run_is_labelled_quiet(results: dict[str, t.Any]) -> None:
    text = render(results, {})
    assert "Quiet run" in text
    assert "Contaminated" not in text


def test_a_contaminated_run_says_so_first(results: dict[str, t.Any]) -> None:
    results["load"].update({"contaminated": True, "foreign_cores": 0.9})
    text = render(results, {})
    first_paragraph = text.split("\n\n")[1]
    assert "Contaminated run" in first_paragraph
    assert "0.90 cores" in first_paragraph


def test_a_quick_run_is_not_presented_as_the_measurement(results: dict[str, t.Any]) -> None:
    results["mode"] = "quick"
    assert "quick profile" in render(results, {})


def test_unavailable_models_are_reported_with_their_reason(results: dict[str, t.Any]) -> None:
    assert "**small**: not measured: the PyPI pack is incomplete" in summary_table(results)


def test_a_failed_part_shows_as_a_gap_not_a_crash(results: dict[str, t.Any]) -> None:
    results["models"]["base"]["latency"] = {"error": "latency: refused"}
    table = summary_table(results)
    row = next(line for line in table.splitlines() if line.startswith("| 5 s clip p50 / p95, HTTP"))
    assert row.endswith("| – |")


def test_misses_are_bold_in_the_targets_table(results: dict[str, t.Any]) -> None:
    text = render(results, {})
    assert "**missed**" in text
    assert "| met |" in text


def test_plots_are_linked(results: dict[str, t.Any]) -> None:
    text = render(results, {"throughput": "x-throughput.png"})
    assert "![throughput](x-throughput.png)" in text
