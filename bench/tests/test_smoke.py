"""The harness end to end on tiny inputs (``--smoke``): a real server, real inference, every
part of the benchmark, and the files a run writes. Figures are checked for sanity only; speed
is never asserted (the machine is shared)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from bench.corpus import REPO

PARTS_PER_MODEL = ("files", "latency", "throughput", "memory", "startup", "batched")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture(scope="module")
def smoke_run(
    tmp_path_factory: pytest.TempPathFactory, shared_audio: Path
) -> tuple[Path, dict[str, t.Any]]:
    out_dir = tmp_path_factory.mktemp("bench-results")
    finished = run_bench("--smoke", "--out-dir", str(out_dir))
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-5000:]
    (json_path,) = out_dir.glob("*-smoke.json")
    return out_dir, json.loads(json_path.read_text())


@pytest.fixture(scope="module")
def tiny(smoke_run: tuple[Path, dict[str, t.Any]]) -> dict[str, t.Any]:
    return dict(smoke_run[1]["models"]["tiny.en"])


def test_every_part_ran_without_error(
    smoke_run: tuple[Path, dict[str, t.Any]], tiny: dict[str, t.Any]
) -> None:
    results = smoke_run[1]
    assert results["errors"] == []
    assert tiny["status"] == "measured"
    for part in (*PARTS_PER_MODEL, "fifo"):
        assert part in tiny and "error" not in tiny[part], part
    assert "error" not in results["workers_matrix"]["combinations"]


def test_the_run_records_where_it_was_measured(smoke_run: tuple[Path, dict[str, t.Any]]) -> None:
    results = smoke_run[1]
    assert results["machine"]["logical_cores"] >= 1
    assert results["versions"]["faster-whisper"] != "not installed"
    assert len(results["git"]["commit"]) == 40
    assert {"foreign_cores", "contaminated"} <= set(results["load"])


def test_engine_and_server_transcribe_the_long_file_well(tiny: dict[str, t.Any]) -> None:
    summary = tiny["files"]["summary"]
    for kind in ("engine", "json", "stream"):
        assert summary["wer"][kind] < 0.25, summary["wer"]


def test_the_streamed_deltas_add_up_to_the_done_text(tiny: dict[str, t.Any]) -> None:
    for record in tiny["files"]["files"]:
        assert record["texts"]["stream"] == record["texts"]["stream_done"]
        assert record["first_delta_s"] is not None
        assert 0 < record["first_delta_s"] <= record["stream_s"]


def test_every_concurrent_request_was_answered(tiny: dict[str, t.Any]) -> None:
    for level in tiny["throughput"]:
        assert level["statuses"] == {"200": level["requests"]}
        assert level["throughput"] > 0


def test_queued_requests_finish_in_arrival_order(tiny: dict[str, t.Any]) -> None:
    assert tiny["fifo"]["all_answered"], tiny["fifo"]
    assert tiny["fifo"]["in_order"], tiny["fifo"]


def test_memory_and_startup_were_measured(tiny: dict[str, t.Any]) -> None:
    assert tiny["memory"]["failed_requests"] == 0
    assert tiny["memory"]["after_rss_bytes"] > 50 * 2**20
    assert tiny["memory"]["loaded_models"] == ["tiny.en"]
    assert tiny["peak_rss"]["vm_hwm_bytes"] >= tiny["memory"]["after_rss_bytes"]
    assert 0 < tiny["startup"]["seconds_to_ready_median"] < 120


def test_batched_and_sequential_were_both_scored(tiny: dict[str, t.Any]) -> None:
    names = [row["configuration"] for row in tiny["batched"]["results"]]
    assert names[0] == "sequential (server)"
    assert any(name.startswith("batched") for name in names)
    assert all(row["wer"] < 0.25 for row in tiny["batched"]["results"])


def test_markdown_and_plots_are_written(smoke_run: tuple[Path, dict[str, t.Any]]) -> None:
    out_dir = smoke_run[0]
    (markdown,) = out_dir.glob("*-smoke.md")
    text = markdown.read_text()
    assert (
        "## Summary" in text
        and "| tiny.en |" in text.splitlines()[text.splitlines().index("## Summary") + 2]
    )
    for name in ("throughput", "latency", "memory"):
        (png,) = out_dir.glob(f"*-smoke-{name}.png")
        assert png.read_bytes().startswith(PNG_SIGNATURE)
        assert f"]({png.name})" in text


def test_a_saved_run_re_renders(smoke_run: tuple[Path, dict[str, t.Any]], tmp_path: Path) -> None:
    (json_path,) = smoke_run[0].glob("*-smoke.json")
    copy = tmp_path / json_path.name
    copy.write_text(json_path.read_text())
    finished = run_bench("--report", str(copy))
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert copy.with_suffix(".md").read_text().startswith("# whisperd benchmark")


def test_without_the_shared_corpus_the_bench_skips_with_a_reason(tmp_path: Path) -> None:
    finished = run_bench(
        "--smoke", "--out-dir", str(tmp_path), env={"WHISPERD_SHARED_DIR": str(tmp_path / "absent")}
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "bench skipped" in finished.stdout and "MANIFEST.tsv is missing" in finished.stdout
    assert not list(tmp_path.glob("*.json"))
