"""Decoding uploaded audio into the 16 kHz mono float32 samples Whisper reads.

Everything happens in memory with PyAV (FFmpeg's libraries bundled in its wheel), so any
container and codec FFmpeg reads is accepted and no file is written. Decoding stops as soon
as the audio passes the duration limit, so a tiny file that declares or holds hours of
silence cannot fill memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import BinaryIO

import av
import numpy as np

SAMPLE_RATE = 16_000
MIN_DURATION_SECONDS = 0.1
# Containers whose headers state the exact length, so a shortfall means a cut-off file.
# (MP3 and Ogg lengths are estimates, and WebM from browsers declares none.)
_EXACT_LENGTH_FORMATS = ("wav", "flac", "aiff", "w64", "caf", "mov")

logging.getLogger("libav").setLevel(logging.ERROR)


class AudioDecodeError(Exception):
    """The bytes are not audio FFmpeg can decode."""


class AudioTooLongError(Exception):
    """The audio is longer than the configured limit."""

    def __init__(self, limit_seconds: float, duration_seconds: float | None) -> None:
        self.limit_seconds = limit_seconds
        self.duration_seconds = duration_seconds
        super().__init__(f"audio is longer than {limit_seconds:g} s")


class AudioTooShortError(Exception):
    """The audio holds less than :data:`MIN_DURATION_SECONDS` of samples."""

    def __init__(self, duration_seconds: float) -> None:
        self.duration_seconds = duration_seconds
        super().__init__(f"audio is {duration_seconds:.3f} s long")


@dataclass(frozen=True)
class DecodedAudio:
    samples: np.ndarray  # float32, mono, SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def decode_audio(source: BinaryIO, *, max_duration: float | None = None) -> DecodedAudio:
    """Decode the first audio stream of ``source``, downmixed and resampled to 16 kHz.

    Raises :class:`AudioDecodeError` for bytes that are not decodable audio,
    :class:`AudioTooLongError` past ``max_duration`` seconds, and
    :class:`AudioTooShortError` below 0.1 s.
    """
    max_samples = None if max_duration is None else int(max_duration * SAMPLE_RATE)
    wav_declared = _wav_data_seconds(source)
    try:
        container = av.open(source, mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise AudioDecodeError(_describe(exc)) from exc
    with container:
        if not container.streams.audio:
            raise AudioDecodeError("it has no audio stream")
        stream = container.streams.audio[0]
        declared = _declared_duration(container, stream)
        if max_duration is not None and declared is not None and declared > max_duration + 1:
            raise AudioTooLongError(max_duration, declared)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        total = 0
        decoded_frames = 0
        try:
            for frame in container.decode(stream):
                decoded_frames += 1
                for out in resampler.resample(frame):
                    total += _append(chunks, out)
                if max_samples is not None and total > max_samples:
                    raise AudioTooLongError(max_duration or 0.0, None)
            for out in resampler.resample(None):
                total += _append(chunks, out)
        except av.FFmpegError as exc:
            if decoded_frames == 0:
                raise AudioDecodeError(_describe(exc)) from exc
            raise AudioDecodeError(f"it is corrupt or truncated ({_describe(exc)})") from exc
    if decoded_frames == 0:
        raise AudioDecodeError("its audio stream holds no decodable frames")
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    _check_complete(container.format.name, wav_declared or declared, len(samples) / SAMPLE_RATE)
    if max_samples is not None and len(samples) > max_samples:
        raise AudioTooLongError(max_duration or 0.0, len(samples) / SAMPLE_RATE)
    if len(samples) < MIN_DURATION_SECONDS * SAMPLE_RATE:
        raise AudioTooShortError(len(samples) / SAMPLE_RATE)
    return DecodedAudio(samples)


def _check_complete(format_name: str, declared: float | None, decoded: float) -> None:
    if declared is None or not any(name in format_name for name in _EXACT_LENGTH_FORMATS):
        return
    if decoded < declared - max(0.5, 0.05 * declared):
        raise AudioDecodeError(
            f"it is truncated: its header declares {declared:.2f} s of audio but only "
            f"{decoded:.2f} s could be decoded"
        )


def _wav_data_seconds(source: BinaryIO) -> float | None:
    """The length a WAV's ``data`` chunk declares (FFmpeg clamps it to the file size, which
    hides truncation). None for other files and for streamed WAVs of unknown length."""
    start = source.tell()
    header = source.read(4096)
    source.seek(start)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return None
    offset, rate, block_align = 12, 0, 0
    while offset + 8 <= len(header):
        chunk_id = header[offset : offset + 4]
        size = int.from_bytes(header[offset + 4 : offset + 8], "little")
        if chunk_id == b"fmt " and offset + 20 <= len(header):
            rate = int.from_bytes(header[offset + 12 : offset + 16], "little")
            block_align = int.from_bytes(header[offset + 20 : offset + 22], "little")
        elif chunk_id == b"data":
            unknown = size == 0 or size >= 0x7FFF0000  # streamed WAVs: length unknown
            return None if unknown or not rate or not block_align else size / block_align / rate
        offset += 8 + size + (size & 1)
    return None


def _append(chunks: list[np.ndarray], frame: av.AudioFrame) -> int:
    array = frame.to_ndarray().reshape(-1).astype(np.float32, copy=False)
    chunks.append(array)
    return len(array)


def _declared_duration(
    container: av.container.InputContainer, stream: av.AudioStream
) -> float | None:
    """The duration the file claims, from the stream header or else the container."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration / av.time_base)
    return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, av.FFmpegError) and exc.strerror:
        return str(exc.strerror)
    return str(exc) or type(exc).__name__
