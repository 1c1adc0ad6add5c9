"""The live benchmark end to end (``--smoke``): a real server, one real WebSocket session per
protocol (Realtime, Deepgram) fed at real-time pace with one short clip, tiny.en. Speed is
never asserted (the machine is shared); the figures must exist and make sense."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from bench.corpus import REPO


def run_live(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.live", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory, shared_audio: Path) -> dict[str, t.Any]:
    out_dir = tmp_path_factory.mktemp("live-results")
    finished = run_live("--smoke", "--out-dir", str(out_dir))
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-5000:]
    (json_path,) = out_dir.glob("*-live-smoke.json")
    assert json_path.with_suffix(".md").read_text().startswith("# whisperd live benchmark")
    return dict(json.loads(json_path.read_text()))


def level_of(smoke: dict[str, t.Any], protocol: str) -> dict[str, t.Any]:
    (level,) = [lv for lv in smoke["models"]["tiny.en"]["levels"] if lv["protocol"] == protocol]
    return dict(level)


def test_the_session_ran_and_its_turn_completed(smoke: dict[str, t.Any]) -> None:
    assert smoke["errors"] == []
    level = level_of(smoke, "realtime")
    (session,) = level["sessions"]
    assert session["drained"] and session["errors"] == []
    assert session["turns"] >= 1 and level["failed_turns"] == 0
    assert level["deltas_join_to_transcripts"]


def test_the_latencies_are_positive_and_ordered(smoke: dict[str, t.Any]) -> None:
    level = level_of(smoke, "realtime")
    for timing in level["sessions"][0]["timings"]:
        assert timing["onset_to_first_delta"] > 0
        assert timing["stop_to_completed"] > 0
        assert timing["lag"] >= timing["stop_to_completed"]  # stopped comes after the audio
        assert timing["speech_end_to_completed"] > timing["stop_to_completed"]


def test_the_deepgram_session_ended_its_segments_with_speech_final(
    smoke: dict[str, t.Any],
) -> None:
    level = level_of(smoke, "deepgram")
    (session,) = level["sessions"]
    assert session["drained"] and session["errors"] == []  # Metadata after CloseStream
    assert session["turns"] >= 1 and level["failed_turns"] == 0
    assert level["finals_without_speech_final"] == 0
    for timing in session["timings"]:
        assert timing["speech_end_to_speech_final"] > 0 and timing["lag"] > 0
        if timing["interims"]:  # a partial decode ran before the final (an idle worker)
            assert timing["onset_to_first_interim"] > 0
    assert level["wer"] < 0.25


def test_live_and_file_transcribe_the_clip_well(smoke: dict[str, t.Any]) -> None:
    model = smoke["models"]["tiny.en"]
    assert model["file"]["wer"] < 0.25
    assert level_of(smoke, "realtime")["wer"] < 0.25


def test_the_run_records_the_code_it_served_and_the_machine_load(
    smoke: dict[str, t.Any],
) -> None:
    assert Path(smoke["served_code"]).is_relative_to(REPO)
    assert {"foreign_cores", "contaminated"} <= set(smoke["load"])


def test_without_the_shared_corpus_the_live_bench_skips_with_a_reason(tmp_path: Path) -> None:
    finished = run_live(
        "--smoke", "--out-dir", str(tmp_path), env={"WHISPERD_SHARED_DIR": str(tmp_path / "no")}
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "bench skipped" in finished.stdout and "MANIFEST.tsv is missing" in finished.stdout
    assert not list(tmp_path.glob("*.json"))
