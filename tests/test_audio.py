"""Decoding: every container and codec into 16 kHz mono, and clear failures otherwise."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from whisperd.engine.audio import (
    SAMPLE_RATE,
    AudioDecodeError,
    AudioTooLongError,
    AudioTooShortError,
    decode_audio,
)

from tests.support.audio import (
    ENCODINGS,
    Encoding,
    GeneratedAudio,
    encode,
    read_wav,
    tone,
    write_wav,
)
from tests.support.paths import SHARED_AUDIO


@pytest.mark.parametrize("encoding", ENCODINGS, ids=lambda e: e.name)
def test_every_encoding_decodes_to_16k_mono(
    encoding: Encoding, english_speech: GeneratedAudio, tmp_path: Path
) -> None:
    samples, rate = read_wav(english_speech.path)
    path = encode(samples, rate, encoding, tmp_path / f"speech{encoding.suffix}")
    decoded = decode_audio(io.BytesIO(path.read_bytes()))
    assert decoded.samples.dtype == np.float32
    assert decoded.samples.ndim == 1
    assert decoded.duration == pytest.approx(len(samples) / rate, abs=0.1)
    assert float(np.abs(decoded.samples).max()) > 0.05  # speech, not silence


def test_shared_format_files_decode() -> None:
    formats = SHARED_AUDIO / "formats"
    if not formats.is_dir():
        pytest.skip(f"needs the shared test data: {formats} is missing")
    for path in sorted(formats.iterdir()):
        if path.suffix == ".txt":
            continue
        decoded = decode_audio(io.BytesIO(path.read_bytes()))
        assert decoded.duration > 1.0, path.name


def test_garbage_is_a_decode_error() -> None:
    with pytest.raises(AudioDecodeError):
        decode_audio(io.BytesIO(b"this is plainly not audio" * 100))


def test_empty_bytes_are_a_decode_error() -> None:
    with pytest.raises(AudioDecodeError):
        decode_audio(io.BytesIO(b""))


def test_file_without_audio_stream_is_a_decode_error(tmp_path: Path) -> None:
    import av

    path = tmp_path / "video.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=5)
        stream.width, stream.height = 32, 32
        frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    with pytest.raises(AudioDecodeError, match="no audio stream"):
        decode_audio(io.BytesIO(path.read_bytes()))


def test_truncated_mp3_header_is_a_decode_error(
    english_speech: GeneratedAudio, tmp_path: Path
) -> None:
    samples, rate = read_wav(english_speech.path)
    path = encode(samples, rate, ENCODINGS[3], tmp_path / "speech.mp3")
    with pytest.raises(AudioDecodeError):
        decode_audio(io.BytesIO(path.read_bytes()[:40]))


def test_shorter_than_a_tenth_of_a_second_is_too_short(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "blip.wav", tone(0.05))
    with pytest.raises(AudioTooShortError):
        decode_audio(io.BytesIO(path.read_bytes()))


def test_over_the_limit_is_too_long(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "tone.wav", tone(12.0))
    with pytest.raises(AudioTooLongError):
        decode_audio(io.BytesIO(path.read_bytes()), max_duration=5.0)


def test_hours_of_silence_in_a_small_file_stop_at_the_limit(tmp_path: Path) -> None:
    """A decompression bomb: 2 hours of silence as a few hundred KiB of FLAC."""
    flac = next(e for e in ENCODINGS if e.codec == "flac")
    path = encode(
        np.zeros(SAMPLE_RATE * 60 * 120, np.float32), SAMPLE_RATE, flac, tmp_path / "bomb.flac"
    )
    assert path.stat().st_size < 5 * 1024 * 1024
    with pytest.raises(AudioTooLongError):
        decode_audio(io.BytesIO(path.read_bytes()), max_duration=600)


def test_multichannel_is_downmixed(tmp_path: Path) -> None:
    four = next(e for e in ENCODINGS if e.channels == 4)
    path = encode(tone(1.0), SAMPLE_RATE, four, tmp_path / "quad.wav")
    decoded = decode_audio(io.BytesIO(path.read_bytes()))
    assert decoded.duration == pytest.approx(1.0, abs=0.01)
