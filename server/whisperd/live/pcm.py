"""Streaming decode of raw live audio to 16 kHz mono float32.

Bytes arrive in chunks of any size; a chunk may end in the middle of a 16-bit sample or of a
multichannel frame, so the incomplete tail is kept for the next chunk. Resampling uses
PyAV's stateful swresample, whose output for chunked input equals its output for the whole
stream; it holds back a small, constant number of samples (its filter's look-ahead) until
:meth:`PcmDecoder.flush`, so the output never drifts from the input clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import av
import numpy as np

from whisperd.engine.audio import SAMPLE_RATE

Encoding = Literal["linear16", "mulaw", "alaw"]
OpenAIFormat = Literal["audio/pcm", "audio/pcmu", "audio/pcma", "pcm16", "g711_ulaw", "g711_alaw"]


@dataclass(frozen=True)
class PcmFormat:
    """Raw audio as a client sends it: no header, interleaved channels."""

    encoding: Encoding = "linear16"
    sample_rate: int = 24_000
    channels: int = 1

    def __post_init__(self) -> None:
        if self.sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, not {self.sample_rate}")
        if not 1 <= self.channels <= 32:
            raise ValueError(f"channels must be 1 to 32, not {self.channels}")

    @property
    def bytes_per_sample(self) -> int:
        return 2 if self.encoding == "linear16" else 1

    @property
    def frame_bytes(self) -> int:
        return self.bytes_per_sample * self.channels


def openai_format(name: OpenAIFormat, rate: int | None = None) -> PcmFormat:
    """The format of an OpenAI Realtime ``input_audio_format`` (GA or beta name).

    ``audio/pcm`` is 16-bit little-endian mono at 24 kHz unless ``rate`` says otherwise;
    G.711 is always 8 kHz.
    """
    if name in ("audio/pcm", "pcm16"):
        return PcmFormat("linear16", rate or 24_000, 1)
    if name in ("audio/pcmu", "g711_ulaw"):
        return PcmFormat("mulaw", 8_000, 1)
    if name in ("audio/pcma", "g711_alaw"):
        return PcmFormat("alaw", 8_000, 1)
    raise ValueError(f"unknown OpenAI audio format {name!r}")


def _ulaw_table() -> np.ndarray:
    # ITU-T G.711 µ-law: bits are inverted; 3-bit segment, 4-bit mantissa, bias 0x84.
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> np.ndarray:
    # ITU-T G.711 A-law: even bits inverted (xor 0x55); segment 0 is linear.
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(
        exponent == 0,
        (mantissa << 4) + 8,
        ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0),
    )
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


# 16-bit linear values of every G.711 code.
ULAW_TO_LINEAR: np.ndarray = _ulaw_table()
ALAW_TO_LINEAR: np.ndarray = _alaw_table()


def decode_g711(data: bytes, encoding: Literal["mulaw", "alaw"]) -> np.ndarray:
    """G.711 bytes to 16-bit linear samples (int16)."""
    table = ULAW_TO_LINEAR if encoding == "mulaw" else ALAW_TO_LINEAR
    return table[np.frombuffer(data, dtype=np.uint8)]


class PcmDecoder:
    """Raw audio bytes in, 16 kHz mono float32 out, with state across chunks."""

    def __init__(self, fmt: PcmFormat) -> None:
        self.format = fmt
        self._remainder = b""
        self._frames_in = 0
        self._samples_out = 0
        self._resampler: av.AudioResampler | None = None
        if fmt.sample_rate != SAMPLE_RATE:
            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)

    @property
    def frames_in(self) -> int:
        """Whole input frames (one sample per channel) decoded so far."""
        return self._frames_in

    @property
    def samples_out(self) -> int:
        """16 kHz samples returned so far."""
        return self._samples_out

    @property
    def input_ms(self) -> float:
        """Duration of the input received so far, from its own sample count."""
        return self._frames_in * 1000 / self.format.sample_rate

    def push(self, data: bytes) -> np.ndarray:
        """Decode one chunk; returns the 16 kHz samples now available (maybe none)."""
        fmt = self.format
        if self._remainder:
            data = self._remainder + data
        whole = len(data) - len(data) % fmt.frame_bytes
        self._remainder = data[whole:]
        if whole == 0:
            return np.zeros(0, dtype=np.float32)
        body = data[:whole]
        if fmt.encoding == "linear16":
            linear = np.frombuffer(body, dtype="<i2")
        else:
            linear = decode_g711(body, fmt.encoding)
        samples = linear.astype(np.float32) / 32768.0
        if fmt.channels > 1:
            samples = samples.reshape(-1, fmt.channels).mean(axis=1, dtype=np.float32)
        self._frames_in += len(samples)
        return self._resample(samples)

    def flush(self) -> np.ndarray:
        """The samples the resampler still holds; the decoder can be reused afterwards."""
        self._remainder = b""
        if self._resampler is None:
            return np.zeros(0, dtype=np.float32)
        out = self._collect(self._resampler.resample(None))
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        return out

    def _resample(self, samples: np.ndarray) -> np.ndarray:
        if self._resampler is None:
            self._samples_out += len(samples)
            return np.ascontiguousarray(samples, dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples).reshape(1, -1), format="flt", layout="mono"
        )
        frame.sample_rate = self.format.sample_rate
        return self._collect(self._resampler.resample(frame))

    def _collect(self, frames: list[av.AudioFrame]) -> np.ndarray:
        parts = [f.to_ndarray().reshape(-1) for f in frames]
        out = np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)
        self._samples_out += len(out)
        return out
