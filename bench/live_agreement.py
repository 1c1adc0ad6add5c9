"""Live decoding simulated offline: re-decode the growing turn, confirm with LocalAgreement-2.

Each clip is one turn. Every ``step`` seconds of audio the turn so far is decoded from its
start; :class:`whisperd.live.agreement.LocalAgreement` confirms words; at the end the whole
turn is decoded once more (the final) and ``finish`` appends the rest. Reported per model
and partial setting: decode time per step (against the step: does it keep up?), the
confirmation lag (audio time at which a word was confirmed minus the word's end), the share
of words confirmed before the end, and the WER of (a) confirmed + finished text and (b) the
final alone, which is the whole clip decoded with beam 5.

Run: PYTHONPATH=server:. python bench/live_agreement.py [--threads 2]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio
from whisperd.engine.audio import SAMPLE_RATE
from whisperd.live.agreement import LocalAgreement, TimedWord

from bench.textmetrics import corpus_wer

REPO = Path(__file__).resolve().parent.parent
AUDIO = REPO.parent / "shared" / "audio"
CLIPS = (
    "en_read/whisper.cpp__jfk.wav",
    "en_read/Speech2Text__1089-134686-0000.flac",
    "en_read/wenet__librispeech-1995-1837-0001.wav",
)
# Two clips of one speaker joined by 0.4 s of silence: a longer turn (about 16 s).
JOINED = (
    "en_read/Speech2Text__1089-134691-0001.flac",
    "en_read/Speech2Text__1089-134686-0000.flac",
)


@dataclass(frozen=True)
class Setting:
    beam_size: int
    step: float


@dataclass
class Outcome:
    lags: list[float]
    confirmed_early: int
    words: int
    live_text: str
    final_text: str


@dataclass
class Run:
    """The hypotheses of one clip under one setting, decoded once, scored per variant."""

    step_times: list[float]
    hypotheses: list[tuple[float, list[TimedWord]]]  # (audio time, words)

    def agree(self, final: list[TimedWord], hold_back: int) -> Outcome:
        agreement = LocalAgreement(n=2, hold_back=hold_back)
        lags: list[float] = []
        for t, words in self.hypotheses:
            before = len(agreement.confirmed)
            agreement.update(words)
            lags.extend(t - w.end for w in agreement.confirmed[before:])
        early = len(agreement.confirmed)
        agreement.finish(final)
        final_text = "".join(w.word for w in final).strip()
        return Outcome(lags, early, len(agreement.confirmed), agreement.confirmed_text, final_text)


def manifest() -> dict[str, str]:
    with open(AUDIO / "MANIFEST.tsv", newline="") as handle:
        return {
            row["path"]: row["reference_transcript"]
            for row in csv.DictReader(handle, delimiter="\t")
        }


def clips() -> list[tuple[str, np.ndarray, str]]:
    references = manifest()
    out = [(Path(p).stem, decode_audio(str(AUDIO / p)), references[p]) for p in CLIPS]
    gap = np.zeros(int(0.4 * SAMPLE_RATE), dtype=np.float32)
    joined = np.concatenate(
        [decode_audio(str(AUDIO / JOINED[0])), gap, decode_audio(str(AUDIO / JOINED[1]))]
    )
    out.append(("joined-1089", joined, references[JOINED[0]] + " " + references[JOINED[1]]))
    return out


def decode(model: WhisperModel, audio: np.ndarray, beam_size: int) -> list[TimedWord]:
    segments, _ = model.transcribe(
        audio,
        language="en",
        beam_size=beam_size,
        temperature=[0.0],
        condition_on_previous_text=False,
        without_timestamps=False,
        word_timestamps=True,
        vad_filter=False,
    )
    return [TimedWord(w.word, w.start, w.end) for s in segments for w in (s.words or [])]


def simulate(model: WhisperModel, audio: np.ndarray, setting: Setting) -> Run:
    duration = len(audio) / SAMPLE_RATE
    run = Run([], [])
    t = setting.step
    while t < duration:
        started = time.perf_counter()
        words = decode(model, audio[: int(t * SAMPLE_RATE)], setting.beam_size)
        run.step_times.append(time.perf_counter() - started)
        run.hypotheses.append((t, words))
        t += setting.step
    return run


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


HEADERS = (
    "model",
    "partials",
    "hold back",
    "step mean/p90/max s",
    "keeps up",
    "lag p50/p90 s",
    "confirmed early",
    "WER live",
    "WER final only",
    "cased diff vs final",
    "final s",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=["tiny.en", "base"])
    parser.add_argument(
        "--settings", nargs="+", default=["1:0.5", "1:1.0", "5:1.0"], help="beam:step pairs"
    )
    args = parser.parse_args()
    settings = [Setting(int(b), float(st)) for b, st in (x.split(":") for x in args.settings)]
    data = clips()
    total = sum(len(a) for _, a, _ in data) / SAMPLE_RATE
    print(f"clips: {len(data)}, {total:.1f} s of audio", flush=True)
    print("| " + " | ".join(HEADERS) + " |")
    print("|" + "---|" * len(HEADERS), flush=True)
    cpu_start = time.process_time()
    for name in args.models:
        path = subprocess.run(
            ["whisperd", "models", "path", name], capture_output=True, text=True, check=True
        ).stdout.strip()
        model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=args.threads)
        finals = {}
        whole_times = []
        for clip, audio, _ in data:
            started = time.perf_counter()
            finals[clip] = decode(model, audio, 5)
            whole_times.append(time.perf_counter() - started)
        for setting in settings:
            runs = {clip: simulate(model, audio, setting) for clip, audio, _ in data}
            steps = [s for r in runs.values() for s in r.step_times]
            for hold_back in (0, 1):
                outcomes = {c: r.agree(finals[c], hold_back) for c, r in runs.items()}
                lags = [g for o in outcomes.values() for g in o.lags]
                early = sum(o.confirmed_early for o in outcomes.values())
                words = sum(o.words for o in outcomes.values())
                live_wer = corpus_wer([(ref, outcomes[c].live_text) for c, _, ref in data])
                final_wer = corpus_wer([(ref, outcomes[c].final_text) for c, _, ref in data])
                cased = jiwer.wer(
                    [o.final_text for o in outcomes.values()],
                    [o.live_text for o in outcomes.values()],
                )
                row = (
                    name,
                    f"beam {setting.beam_size}, step {setting.step:g} s",
                    str(hold_back),
                    f"{statistics.mean(steps):.2f}/{percentile(steps, 90):.2f}/{max(steps):.2f}",
                    f"{np.mean([s <= setting.step for s in steps]):.0%}",
                    f"{percentile(lags, 50):.2f}/{percentile(lags, 90):.2f}",
                    f"{early / words:.0%}",
                    f"{live_wer:.1%}",
                    f"{final_wer:.1%}",
                    f"{cased:.1%}",
                    f"{statistics.mean(whole_times):.2f}",
                )
                print("| " + " | ".join(row) + " |", flush=True)
                for clip, outcome in outcomes.items():
                    if outcome.live_text != outcome.final_text:
                        print(f"    {name} {setting} hold {hold_back} {clip}", file=sys.stderr)
                        print(f"      live : {outcome.live_text}", file=sys.stderr)
                        print(f"      final: {outcome.final_text}", file=sys.stderr)
        del model
        print(f"CPU time so far: {time.process_time() - cpu_start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
