"""Streaming decode of raw live audio: formats, chunk boundaries, no drift, G.711."""

from __future__ import annotations

import warnings
from typing import Any

import av
import numpy as np
import pytest
from whisperd.engine.audio import SAMPLE_RATE
from whisperd.live.pcm import (
    ALAW_TO_LINEAR,
    ULAW_TO_LINEAR,
    PcmDecoder,
    PcmFormat,
    decode_g711,
    openai_format,
)

RNG_SEED = 20260101


def _decode_all(fmt: PcmFormat, data: bytes, sizes: list[int] | None = None) -> np.ndarray:
    decoder = PcmDecoder(fmt)
    if sizes is None:
        sizes = [len(data)]
    parts, position = [], 0
    for size in sizes:
        parts.append(decoder.push(data[position : position + size]))
        position += size
    assert position == len(data)
    parts.append(decoder.flush())
    return np.concatenate(parts)


def _random_sizes(rng: np.random.Generator, total: int, count: int) -> list[int]:
    cuts = np.sort(rng.choice(np.arange(1, total), size=count - 1, replace=False))
    return [int(s) for s in np.diff(np.concatenate([[0], cuts, [total]]))]


def _pcm16(samples: np.ndarray) -> bytes:
    return bytes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("audio/pcm", PcmFormat("linear16", 24_000, 1)),
        ("pcm16", PcmFormat("linear16", 24_000, 1)),
        ("audio/pcmu", PcmFormat("mulaw", 8_000, 1)),
        ("g711_ulaw", PcmFormat("mulaw", 8_000, 1)),
        ("audio/pcma", PcmFormat("alaw", 8_000, 1)),
        ("g711_alaw", PcmFormat("alaw", 8_000, 1)),
    ],
)
def test_openai_format_names(name: str, expected: PcmFormat) -> None:
    assert openai_format(name) == expected  # type: ignore[arg-type]


def test_linear16_at_16k_passes_samples_through() -> None:
    values = np.array([0, 1, -1, 32767, -32768, 12345], dtype="<i2")
    out = _decode_all(PcmFormat("linear16", SAMPLE_RATE, 1), values.tobytes())
    np.testing.assert_array_equal(out, values.astype(np.float32) / 32768)


def test_odd_trailing_byte_is_kept_for_the_next_chunk() -> None:
    rng = np.random.default_rng(RNG_SEED)
    data = rng.integers(-32768, 32767, size=999, dtype=np.int16).astype("<i2").tobytes()
    fmt = PcmFormat("linear16", SAMPLE_RATE, 1)
    whole = _decode_all(fmt, data)
    one_byte_at_a_time = _decode_all(fmt, data, [1] * len(data))
    np.testing.assert_array_equal(one_byte_at_a_time, whole)


def test_incomplete_multichannel_frame_is_kept_for_the_next_chunk() -> None:
    rng = np.random.default_rng(RNG_SEED)
    data = rng.integers(-32768, 32767, size=3 * 500, dtype=np.int16).astype("<i2").tobytes()
    fmt = PcmFormat("linear16", SAMPLE_RATE, 3)
    whole = _decode_all(fmt, data)
    chunked = _decode_all(fmt, data, _random_sizes(rng, len(data), 200))
    assert len(whole) == 500
    np.testing.assert_array_equal(chunked, whole)


def test_channels_are_downmixed_to_their_mean() -> None:
    left = np.linspace(-0.5, 0.5, 400)
    right = 0.5 * left
    interleaved = np.stack([left, right], axis=1).reshape(-1)
    out = _decode_all(PcmFormat("linear16", SAMPLE_RATE, 2), _pcm16(interleaved))
    np.testing.assert_allclose(out, 0.75 * left, atol=2 / 32768)


@pytest.mark.parametrize(
    "fmt",
    [
        PcmFormat("linear16", 24_000, 1),
        PcmFormat("mulaw", 8_000, 1),
        PcmFormat("alaw", 8_000, 1),
        PcmFormat("linear16", 44_100, 2),
        PcmFormat("linear16", 48_000, 1),
    ],
)
def test_no_drift_over_1000_random_sized_chunks(fmt: PcmFormat) -> None:
    rng = np.random.default_rng(RNG_SEED)
    frames = fmt.sample_rate * 20
    data = rng.integers(0, 256, size=frames * fmt.frame_bytes, dtype=np.uint8).tobytes()
    whole = _decode_all(fmt, data)
    decoder = PcmDecoder(fmt)
    parts, position, worst_lag = [], 0, 0
    for size in _random_sizes(rng, len(data), 1000):
        parts.append(decoder.push(data[position : position + size]))
        position += size
        expected = round(decoder.frames_in * SAMPLE_RATE / fmt.sample_rate)
        lag = expected - decoder.samples_out
        assert lag >= -1
        worst_lag = max(worst_lag, lag)
    parts.append(decoder.flush())
    chunked = np.concatenate(parts)
    assert abs(len(chunked) - round(frames * SAMPLE_RATE / fmt.sample_rate)) <= 1
    assert worst_lag <= 64  # the resampler's look-ahead: 4 ms at most, and constant
    assert len(chunked) == len(whole)
    np.testing.assert_allclose(chunked, whole, atol=1e-6)


@pytest.mark.parametrize("rate", [8_000, 24_000, 44_100])
def test_resampling_keeps_a_tone_at_its_frequency(rate: int) -> None:
    t = np.arange(rate * 2) / rate
    tone = 0.5 * np.sin(2 * np.pi * 1000 * t)
    out = _decode_all(PcmFormat("linear16", rate, 1), _pcm16(tone))
    spectrum = np.abs(np.fft.rfft(out * np.hanning(len(out))))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / len(out)
    assert abs(peak_hz - 1000) < 2
    assert np.sqrt(np.mean(out[1000:-1000] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)


@pytest.mark.parametrize(
    ("encoding", "table"), [("mulaw", ULAW_TO_LINEAR), ("alaw", ALAW_TO_LINEAR)]
)
def test_g711_tables_match_python_audioop(encoding: str, table: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop", reason="audioop left the stdlib in 3.13")
    codes = bytes(range(256))
    convert = audioop.ulaw2lin if encoding == "mulaw" else audioop.alaw2lin
    reference = np.frombuffer(convert(codes, 2), dtype="<i2")
    np.testing.assert_array_equal(table, reference)


@pytest.mark.parametrize(("encoding", "codec"), [("mulaw", "pcm_mulaw"), ("alaw", "pcm_alaw")])
def test_g711_decode_matches_ffmpeg(encoding: str, codec: str) -> None:
    codes = bytes(range(256)) * 4
    context: Any = av.CodecContext.create(codec, "r")
    context.sample_rate = 8000
    context.layout = "mono"
    frames = context.decode(av.Packet(codes))
    reference = np.concatenate([f.to_ndarray().reshape(-1) for f in frames])
    np.testing.assert_array_equal(decode_g711(codes, encoding), reference)  # type: ignore[arg-type]


def test_rejects_impossible_formats() -> None:
    with pytest.raises(ValueError):
        PcmFormat("linear16", 0, 1)
    with pytest.raises(ValueError):
        PcmFormat("linear16", 16_000, 0)
