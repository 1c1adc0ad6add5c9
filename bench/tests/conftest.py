"""Fixtures of the benchmark's own tests: the shared corpus (or a skip), a scratch directory,
and a hand-made results dict for the report and target checks."""

from __future__ import annotations

import copy
import typing as t
from pathlib import Path

import pytest

from bench.corpus import Corpus, default_shared_dir

SHARED = default_shared_dir()


@pytest.fixture(scope="session")
def shared_audio() -> Path:
    audio = SHARED / "audio"
    if not (audio / "MANIFEST.tsv").is_file():
        pytest.skip(f"needs the shared test data: {audio / 'MANIFEST.tsv'} is missing")
    return audio


@pytest.fixture()
def corpus(shared_audio: Path, tmp_path: Path) -> Corpus:
    return Corpus(shared_audio, tmp_path)


_RESULTS: dict[str, t.Any] = {
    "schema": 1,
    "mode": "full",
    "started_at": "2026-01-02T03:04:05+00:00",
    "profile": {"concurrency_levels": [1, 4, 8]},
    "machine": {
        "host": "example", "cpu_model": "Example CPU", "logical_cores": 2, "physical_cores": 2,
        "ram_bytes": 8 * 2**30, "os": "Linux", "python": "3.11.0",
    },
    "versions": {"faster-whisper": "1.2.1", "ctranslate2": "4.8.5", "whisperd": "0.1.0"},
    "git": {"commit": "0123456789abcdef", "dirty": False},
    "settings": {
        "workers": 1, "cpu_threads": 0, "beam_size": 5, "compute_type": "default",
        "device": "auto", "vad_filter": False,
    },
    "server_uses_batched": False,
    "load": {"foreign_cores": 0.05, "contaminated": False, "threshold_cores": 0.2,
             "loadavg_at_start": [0.1, 0.1, 0.1]},
    "duration_s": 600.0,
    "errors": [],
    "models": {
        "base": {
            "status": "measured",
            "engine": {"load_seconds": 1.2},
            "files": {
                "files": [],
                "summary": {
                    "rtf": {"engine_inference": 0.1, "engine_with_decode": 0.11,
                            "http_json": 0.115, "http_stream": 0.116},
                    "json_over_engine_median": 1.10,
                    "json_over_engine_inference_median": 1.12,
                    "wer": {"engine": 0.05, "json": 0.05, "stream": 0.05},
                    "texts_identical": True,
                    "first_delta": [
                        {"file": "long", "duration_s": 100.0, "first_delta_s": 1.44,
                         "total_s": 12.0, "ratio": 0.12, "engine_first_segment_s": 2.9,
                         "engine_ratio": 0.24},
                    ],
                    "first_delta_from_long_files": True,
                },
            },
            "throughput": [
                {"clients": 1, "throughput": 10.0, "latency": {"p50": 0.5, "p95": 0.6}},
                {
                    "clients": 4,
                    "throughput": 16.0,
                    "latency": {"p50": 2.0, "p95": 2.2},
                    "same_text_as_alone": {"same": 24, "compared": 24},
                },
                {
                    "clients": 8,
                    "throughput": 9.0,
                    "latency": {"p50": 4.0, "p95": 4.4},
                    "same_text_as_alone": {"same": 24, "compared": 24},
                },
            ],
            "fifo": {"requests": 4, "completion_order": [0, 1, 2, 3], "in_order": True},
            "memory": {"requests": 200, "baseline_rss_bytes": 400 * 2**20,
                       "after_rss_bytes": 412 * 2**20, "growth_percent": 3.0,
                       "loaded_models": ["base"], "trace": [[0, 400 * 2**20]]},
            "startup": {"seconds_to_ready_median": 3.5, "seconds_to_ready_max": 3.9,
                        "starts": [{"first_request_s": 0.7}]},
            "batched": {"clip": {"duration_s": 300.0},
                        "results": [
                            {"configuration": "sequential (server)", "seconds": 30.0,
                             "rtf": 0.1, "wer": 0.08, "clips": [], "text": ""},
                            {"configuration": "batched, batch_size=4", "seconds": 20.0,
                             "rtf": 0.067, "wer": 0.084, "clips": [], "text": ""},
                        ],
                        "verdict": {"batched_wins": True, "best": "batched, batch_size=8",
                                    "speedup": 1.5, "wer_delta": 0.004}},
            "peak_rss": {"vm_hwm_bytes": 500 * 2**20, "sampled_peak_bytes": 490 * 2**20},
            "latency": {"engine": {"p50": 0.4, "p95": 0.45},
                        "http_json": {"p50": 0.42, "p95": 0.5}},
        },
        "small": {"status": "unavailable", "reason": "the PyPI pack is incomplete"},
    },
}  # fmt: skip


@pytest.fixture()
def results() -> dict[str, t.Any]:
    """A plausible full run of one model (base) with known verdicts, and one unavailable."""
    return copy.deepcopy(_RESULTS)
