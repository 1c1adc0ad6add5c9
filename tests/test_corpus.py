"""Accuracy on the recorded corpus in ../shared/audio: language detection, every codec, and
word error rate on LibriSpeech and the other human-referenced English clips.

The measured figures are printed (run with -s to see them) and bounded by assertions.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.paths import SHARED_AUDIO, shared_path
from tests.support.wer import (
    ManifestRow,
    character_error_rate,
    corpus_error_rate,
    read_manifest,
    word_error_rate,
)

URL = "/v1/audio/transcriptions"


def manifest() -> list[ManifestRow]:
    shared_path("audio/MANIFEST.tsv")
    return read_manifest(SHARED_AUDIO)


def transcribe(client: httpx.Client, row: ManifestRow, **fields: str) -> dict[str, object]:
    with open(SHARED_AUDIO / row.path, "rb") as handle:
        response = client.post(
            URL, data={"model": "whisper-1", **fields}, files={"file": (row.path, handle)}
        )
    assert response.status_code == 200, response.text
    return dict(response.json())


SPACELESS = {"ja", "zh", "ko"}


def test_language_detection_on_multilingual_clips(client: httpx.Client) -> None:
    rows = [
        row for row in manifest()
        if row.path.startswith("multilingual/") and "+" not in row.language and row.exact
    ]  # fmt: skip
    assert len(rows) >= 10
    detected = {}
    for row in rows:
        body = transcribe(client, row, response_format="verbose_json")
        detected[row.path] = (row.language, body["language"])
    from whisperd.engine.languages import language_name

    correct = sum(language_name(want) == got for want, got in detected.values())
    print(f"language detection: {correct}/{len(rows)} correct", detected)
    assert correct >= len(rows) - 1, detected


def test_multilingual_transcripts_with_given_language(client: httpx.Client) -> None:
    rows = [
        row for row in manifest()
        if row.path.startswith("multilingual/") and "+" not in row.language and row.exact
        and row.duration < 20
    ]  # fmt: skip
    rates = {}
    for row in rows:
        text = str(transcribe(client, row, language=row.language)["text"])
        if row.language in SPACELESS:
            rates[row.path] = character_error_rate(row.reference, text)
        else:
            rates[row.path] = word_error_rate(row.reference, text, row.language)
    print("multilingual error rates (WER, or CER for ja/zh/ko):", rates)
    mean = sum(rates.values()) / len(rates)
    assert mean < 0.5, rates


def test_every_shared_codec_transcribes(client: httpx.Client) -> None:
    rows = [row for row in manifest() if row.path.startswith("formats/") and row.exact]
    assert len(rows) >= 6
    pairs = []
    for row in rows:
        text = str(transcribe(client, row)["text"])
        if "[left]" in row.reference:
            continue  # one speaker per channel: the downmix mixes two texts
        rate = word_error_rate(row.reference, text)
        print(f"{row.path} ({row.codec}, {row.sample_rate} Hz, {row.channels} ch): WER {rate:.3f}")
        assert rate < 0.5, (row.path, text)
        pairs.append((row.reference, text))
    assert corpus_error_rate(pairs) < 0.15


def test_librispeech_word_error_rate(client: httpx.Client) -> None:
    """Normalised WER of the base model on the human-referenced English read speech."""
    rows = [row for row in manifest() if row.path.startswith("en_read/") and row.exact]
    assert len(rows) >= 10
    pairs = [(row.reference, str(transcribe(client, row, language="en")["text"])) for row in rows]
    librispeech = [pair for row, pair in zip(rows, pairs, strict=True) if row.librispeech]
    overall = corpus_error_rate(pairs)
    libri = corpus_error_rate(librispeech)
    print(
        f"WER base: en_read {overall:.4f} ({len(pairs)} clips); "
        f"LibriSpeech {libri:.4f} ({len(librispeech)} clips)"
    )
    assert overall < 0.10
    assert libri < 0.10


@pytest.mark.slow
def test_long_english_clips(client: httpx.Client) -> None:
    rows = [row for row in manifest() if row.path.startswith("en_long/") and row.exact]
    pairs = [
        (row.reference.replace(" / ", " "), str(transcribe(client, row)["text"])) for row in rows
    ]
    rate = corpus_error_rate(pairs)
    print(
        f"WER base, en_long ({len(pairs)} clips, {sum(r.duration for r in rows):.0f} s): {rate:.4f}"
    )
    assert rate < 0.25


def test_silence_and_noise_do_not_crash(client: httpx.Client) -> None:
    rows = [row for row in manifest() if row.path.startswith("edge/")]
    for row in rows:
        body = transcribe(client, row, response_format="verbose_json")
        assert isinstance(body["text"], str)
