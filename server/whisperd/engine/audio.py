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
    if max_samples is not None and len(samples) > max_samples:
        raise AudioTooLongError(max_duration or 0.0, len(samples) / SAMPLE_RATE)
    if len(samples) < MIN_DURATION_SECONDS * SAMPLE_RATE:
        raise AudioTooShortError(len(samples) / SAMPLE_RATE)
    return DecodedAudio(samples)


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
