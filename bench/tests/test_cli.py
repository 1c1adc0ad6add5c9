"""The command's file handling: the README section it rewrites and where results go."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from bench import cli


def test_the_readme_section_is_replaced_and_the_rest_kept(
    results: dict[str, t.Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n\n{cli.README_START}\nold figures\n{cli.README_END}\n\noutro\n")
    monkeypatch.setattr(cli, "README", readme)
    stem = tmp_path / "results" / "2026-01-02-example"
    plot = stem.with_name(stem.name + "-throughput.png")
    cli.update_readme_section(results, stem, {"throughput": plot})
    text = readme.read_text()
    assert text.startswith("intro\n\n") and text.endswith("\n\noutro\n")
    assert "old figures" not in text
    assert "[2026-01-02-example.md](results/2026-01-02-example.md)" in text
    assert "![throughput](results/2026-01-02-example-throughput.png)" in text
    assert "|  | base |" in text  # the summary table, models as columns


def test_results_are_named_by_date_host_and_profile(results: dict[str, t.Any]) -> None:
    assert cli.output_stem(results, Path("out")) == Path("out/2026-01-02-example")
    results["mode"] = "quick"
    assert cli.output_stem(results, Path("out")) == Path("out/2026-01-02-example-quick")


def test_unknown_parts_to_skip_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--skip", "everything"]) == 2
    assert "unknown parts to skip: everything" in capsys.readouterr().err
