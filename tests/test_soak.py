"""Soak: 8 concurrent clients against one server for a bounded time (WHISPERD_SOAK_SECONDS,
default 120). Every response must succeed and match its own audio (no lost or mixed-up
answers), and the server must hold no more memory after the load than before it.

Memory is compared at rest, once the server has been idle long enough to end its batching
lanes (5 s) and give back what inference freed (1 s after the queue empties). Under load the
resident size is no measure of a leak: batches hold up to 300 MiB while they run, and what
glibc keeps between them depends on where in its arenas the last batches' buffers fell. The
floor of readings (their 10th percentile) rose by +0.6 % in one 120 s run and +44 % in
another of the same code, tiny.en, with no leak, so it is printed, not asserted.

Two figures are asserted, each taken at rest after the warm-up and again after the soak:
- the bytes malloc has handed out (glibc's ``mallinfo2``, ``whisperd_malloc_in_use_bytes``):
  +0.5 % over 120 s without a leak, and +8.6 % with 16 KiB leaked per request (checked by
  leaking on purpose), so a 3 % bound;
- the resident size, which also counts memory outside malloc (Python's own object arenas):
  +1 % to +5 % without a leak, 10 % allowed.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import statistics
import threading
import time
import typing as t
from pathlib import Path

import httpx
import pytest

from tests.support.audio import GeneratedAudio, make_speech
from tests.support.server import ServerProcess, start_server
from tests.support.wer import word_error_rate

SOAK_SECONDS = float(os.environ.get("WHISPERD_SOAK_SECONDS", "120"))
CLIENTS = 8
REST_SECONDS = 8.0  # batching lanes end after 5 s idle; the queue's trim follows 1 s after idle
SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Please call Stella and ask her to bring these things from the store.",
    "A rainbow is a division of white light into many beautiful colors.",
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It is easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
]


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def floor(readings: list[int]) -> float:
    """The memory held between batches: the 10th percentile of a window of readings."""
    return statistics.quantiles(readings, n=10)[0]


def metric(base_url: str, name: str) -> float:
    text = httpx.get(f"{base_url}/metrics", timeout=30).text
    found = re.search(rf"^{name} ([0-9.e+]+)$", text, re.MULTILINE)
    assert found, f"/metrics has no {name}"
    return float(found.group(1))


def at_rest(server: ServerProcess) -> tuple[int, int]:
    """Resident bytes and malloc's bytes in use, once the idle server has ended its batching
    lanes and given back what inference freed."""
    deadline = time.monotonic() + 60
    while metric(server.base_url, "whisperd_inference_running") > 0:
        assert time.monotonic() < deadline, "the server never went idle"
        time.sleep(0.5)
    time.sleep(REST_SECONDS)
    return rss_bytes(server.process.pid), int(
        metric(server.base_url, "whisperd_malloc_in_use_bytes")
    )


@pytest.fixture(scope="module")
def voices(generated_dir: Path) -> list[GeneratedAudio]:
    return [
        make_speech(generated_dir, f"soak{i}", "en-us", text) for i, text in enumerate(SENTENCES)
    ]


@pytest.fixture(scope="module")
def soak_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    server = start_server(tmp_path_factory, model_cache_dir, "--model", "tiny.en")
    yield server
    server.stop()


def transcribe(base_url: str, audio: GeneratedAudio, stream: bool) -> str:
    data = {"model": "whisper-1", "stream": "true" if stream else "false"}
    with open(audio.path, "rb") as handle:
        response = httpx.post(
            f"{base_url}/v1/audio/transcriptions", data=data, files={"file": handle}, timeout=300
        )
    response.raise_for_status()
    if not stream:
        return str(response.json()["text"])
    events = [line[6:] for line in response.text.split("\r\n\r\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    done = json.loads(events[-2])
    assert done["type"] == "transcript.text.done"
    return str(done["text"])


def test_soak_eight_clients(soak_server: ServerProcess, voices: list[GeneratedAudio]) -> None:
    base_url = soak_server.base_url
    # Warm up (the model, the allocator's pools, every code path) and record what each voice
    # transcribes to on its own: under load every answer must match its own voice's.
    references = [transcribe(base_url, voice, stream=False) for voice in voices]
    # Then a concurrent round of each kind, so every inference worker has allocated its
    # buffers too: the baseline is the steady state, and growth after it is a leak.
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        for stream in (False, True, False, True):
            list(pool.map(transcribe, [base_url] * len(voices), voices, [stream] * len(voices)))
    rss_before, in_use_before = at_rest(soak_server)
    deadline = time.monotonic() + SOAK_SECONDS
    failures: list[str] = []
    readings: list[int] = []

    def sample_memory() -> None:
        while time.monotonic() < deadline:
            readings.append(rss_bytes(soak_server.process.pid))
            time.sleep(0.5)

    def client(index: int) -> int:
        own = voices[index]
        count = 0
        while time.monotonic() < deadline:
            try:
                text = transcribe(base_url, own, stream=count % 2 == 1)
            except Exception as exc:  # a failed request is a soak failure, recorded
                failures.append(f"client {index}: {exc!r}")
                continue
            rates = [word_error_rate(reference, text) for reference in references]
            if rates[index] > 0.25 or rates[index] != min(rates):
                failures.append(f"client {index} got someone else's text or garbage: {text!r}")
            count += 1
        return count

    sampler = threading.Thread(target=sample_memory)
    sampler.start()
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        counts = list(pool.map(client, range(CLIENTS)))
    sampler.join()
    rss_after, in_use_after = at_rest(soak_server)
    quarter = max(1, len(readings) // 4)
    floor_start = floor(readings[quarter : 2 * quarter])  # the 1st quarter: still warming
    floor_end = floor(readings[-quarter:])
    in_use_growth = (in_use_after - in_use_before) / in_use_before
    rss_growth = (rss_after - rss_before) / rss_before
    print(
        f"soak: {sum(counts)} requests in {SOAK_SECONDS:.0f} s by {CLIENTS} clients {counts}, "
        f"{len(failures)} failures; at rest, malloc in use {in_use_before / 2**20:.0f} -> "
        f"{in_use_after / 2**20:.0f} MiB ({in_use_growth:+.1%}), resident "
        f"{rss_before / 2**20:.0f} -> {rss_after / 2**20:.0f} MiB ({rss_growth:+.1%}); under "
        f"load, resident floor {floor_start / 2**20:.0f} -> {floor_end / 2**20:.0f} MiB"
    )
    assert not failures, failures[:5]
    assert all(count > 0 for count in counts)
    assert in_use_growth < 0.03
    assert rss_growth < 0.10
