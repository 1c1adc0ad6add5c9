"""Audio the project makes itself: speech from espeak-ng, re-encoded with PyAV into every
container and codec the server should read, plus silence and tones.

PyAV's wheel bundles FFmpeg's encoders (lame, opus, flac, aac, native vorbis, alac), so no
system FFmpeg is needed; espeak-ng is installed by ``make test``.
"""

from __future__ import annotations

import fractions
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest


@dataclass(frozen=True)
class GeneratedAudio:
    path: Path
    text: str
    language: str

    @property
    def duration(self) -> float:
        with wave.open(str(self.path)) as handle:
            return handle.getnframes() / handle.getframerate()


@dataclass(frozen=True)
class Encoding:
    """A container and codec to re-encode test speech into."""

    name: str
    container: str
    codec: str
    suffix: str
    rate: int
    channels: int
    sample_format: str


ENCODINGS: tuple[Encoding, ...] = (
    Encoding("wav-8k-mono", "wav", "pcm_s16le", ".wav", 8000, 1, "s16"),
    Encoding("wav-44k-stereo", "wav", "pcm_s16le", ".wav", 44100, 2, "s16"),
    Encoding("wav-48k-float", "wav", "pcm_f32le", ".wav", 48000, 2, "flt"),
    Encoding("mp3-44k-stereo", "mp3", "libmp3lame", ".mp3", 44100, 2, "fltp"),
    Encoding("mp3-16k-mono", "mp3", "libmp3lame", ".mp3", 16000, 1, "fltp"),
    Encoding("flac-48k", "flac", "flac", ".flac", 48000, 1, "s16"),
    Encoding("ogg-opus", "ogg", "libopus", ".ogg", 48000, 1, "s16"),
    Encoding("webm-opus", "webm", "libopus", ".webm", 48000, 2, "s16"),
    Encoding("ogg-vorbis", "ogg", "vorbis", ".oga", 44100, 2, "fltp"),
    Encoding("m4a-aac", "mp4", "aac", ".m4a", 44100, 2, "fltp"),
    Encoding("adts-aac", "adts", "aac", ".aac", 22050, 1, "fltp"),
    Encoding("m4a-alac", "ipod", "alac", ".m4a", 44100, 2, "s16p"),
    Encoding("wav-4ch", "wav", "pcm_s16le", ".wav", 16000, 4, "s16"),
)


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def make_speech(directory: Path, name: str, voice: str, text: str) -> GeneratedAudio:
    """Speak ``text`` with espeak-ng into a 16-bit WAV (skips when espeak-ng is missing)."""
    if not espeak_available():
        pytest.skip("espeak-ng is not installed (make test installs it)")
    path = directory / f"{name}.wav"
    if not path.exists():
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", "140", "-w", str(path), text],
            check=True,
            capture_output=True,
        )
    return GeneratedAudio(path=path, text=text, language=voice.split("-")[0])


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples and the rate of a 16-bit PCM WAV."""
    with wave.open(str(path)) as handle:
        rate = handle.getframerate()
        channels = handle.getnchannels()
        data = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)
    samples = data.reshape(-1, channels).mean(axis=1) / 32768.0
    return samples.astype(np.float32), rate


def encode(samples: np.ndarray, rate: int, encoding: Encoding, path: Path) -> Path:
    """Write mono float32 ``samples`` at ``rate`` with ``encoding`` (channels duplicated)."""
    layout = {1: "mono", 2: "stereo", 4: "quad"}[encoding.channels]
    with av.open(str(path), mode="w", format=encoding.container) as container:
        options = {"strict": "experimental"}  # FFmpeg's native vorbis encoder asks for it
        stream = container.add_stream(
            encoding.codec, rate=encoding.rate, layout=layout, options=options
        )
        stream.time_base = fractions.Fraction(1, encoding.rate)
        resampler = av.AudioResampler(
            format=encoding.sample_format, layout=layout, rate=encoding.rate
        )
        frames = []
        for start in range(0, len(samples), 4096):
            chunk = samples[start : start + 4096].astype(np.float32).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = fractions.Fraction(1, rate)
            frames.append(frame)
        for frame in [*frames, None]:
            for resampled in resampler.resample(frame):
                for packet in stream.encode(resampled):
                    container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def tone(seconds: float, rate: int = 16000, frequency: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.2 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(pcm.tobytes())
    return path
