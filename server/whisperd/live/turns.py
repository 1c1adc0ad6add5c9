"""Turn detection on the session's audio clock, as OpenAI's ``server_vad`` does it.

Every time here is milliseconds of 16 kHz audio received since the session started,
computed from sample counts (a Silero frame is exactly 32 ms), so stamps never drift from
the audio however many turns pass. A turn starts on the first frame whose speech
probability reaches ``threshold``; it ends once the probability has stayed below
``neg_threshold`` for ``silence_duration_ms`` (frames in between neither end nor extend the
silence, like Silero's own hysteresis). The detector keeps only the audio it may still hand
out: a pre-roll of ``prefix_padding_ms`` while nobody speaks, plus the current turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from whisperd.engine.audio import SAMPLE_RATE
from whisperd.live.vad import FRAME_SAMPLES, SileroVad


class FrameScorer(Protocol):
    """Speech probabilities for each complete 512-sample frame a push completes."""

    def push(self, samples: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class ServerVad:
    """OpenAI's ``turn_detection: {"type": "server_vad", ...}`` with its defaults."""

    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500
    idle_timeout_ms: int | None = None
    # Not OpenAI parameters: the hysteresis threshold (None: threshold - 0.15, as Silero) and
    # audio after the end of speech that the committed turn also holds.
    neg_threshold: float | None = None
    end_padding_ms: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError("threshold must be between 0 and 1")
        if self.prefix_padding_ms < 0 or self.silence_duration_ms < 0 or self.end_padding_ms < 0:
            raise ValueError("durations must not be negative")
        if self.idle_timeout_ms is not None and self.idle_timeout_ms <= 0:
            raise ValueError("idle_timeout_ms must be positive")

    @property
    def low_threshold(self) -> float:
        if self.neg_threshold is not None:
            return self.neg_threshold
        return max(self.threshold - 0.15, 0.01)


@dataclass(frozen=True)
class Turn:
    """Audio handed out for commit, with its place on the audio clock."""

    audio_start_ms: int
    audio_end_ms: int
    samples: np.ndarray = field(repr=False)  # float32, 16 kHz, mono


@dataclass(frozen=True)
class SpeechStarted:
    audio_start_ms: int  # onset minus the prefix padding, clamped to the turn's region


@dataclass(frozen=True)
class SpeechStopped:
    audio_end_ms: int  # where speech ended
    detected_ms: int  # where the silence had lasted long enough (audio_end_ms + ~silence)
    turn: Turn


@dataclass(frozen=True)
class IdleTimeout:
    audio_start_ms: int  # the end of the last turn (or of the last commit or clear)
    audio_end_ms: int


TurnEvent = SpeechStarted | SpeechStopped | IdleTimeout


def samples_to_ms(samples: int) -> int:
    return samples * 1000 // SAMPLE_RATE


def ms_to_samples(ms: int) -> int:
    return ms * SAMPLE_RATE // 1000


class _SampleBuffer:
    """Samples ``[start, end)`` of the stream in a growable array; cheap appends and trims."""

    def __init__(self) -> None:
        self._data = np.zeros(SAMPLE_RATE, dtype=np.float32)
        self._offset = 0  # index in _data of sample `start`
        self._length = 0
        self.start = 0

    @property
    def end(self) -> int:
        return self.start + self._length

    def append(self, samples: np.ndarray) -> None:
        needed = self._offset + self._length + len(samples)
        if needed > len(self._data):
            keep = self._data[self._offset : self._offset + self._length]
            capacity = max(2 * (self._length + len(samples)), SAMPLE_RATE)
            self._data = np.zeros(capacity, dtype=np.float32)
            self._data[: self._length] = keep
            self._offset = 0
        tail = self._offset + self._length
        self._data[tail : tail + len(samples)] = samples
        self._length += len(samples)

    def drop_before(self, position: int) -> None:
        position = min(max(position, self.start), self.end)
        dropped = position - self.start
        self._offset += dropped
        self._length -= dropped
        self.start = position

    def slice(self, first: int, last: int) -> np.ndarray:
        first = min(max(first, self.start), self.end)
        last = min(max(last, first), self.end)
        a = self._offset + first - self.start
        return self._data[a : a + last - first].copy()


class TurnDetector:
    """Splits a 16 kHz stream into turns; ``config=None`` is manual mode (the caller commits)."""

    def __init__(self, config: ServerVad | None = ServerVad(), scorer: FrameScorer | None = None):
        self.config = config
        self._scorer: FrameScorer | None = None
        if config is not None:
            self._scorer = scorer if scorer is not None else SileroVad()
        self._buffer = _SampleBuffer()
        self._frames = 0  # frames scored since the session started
        self._region_start = 0  # no turn may reach before this sample
        self._speech_start: int | None = None  # onset sample of the current turn
        self._turn_start = 0  # first sample of the current turn's audio (with padding)
        self._silence_start: int | None = None
        self._idle_armed = True

    @property
    def audio_ms(self) -> int:
        """Milliseconds of audio received since the session started."""
        return samples_to_ms(self._buffer.end)

    @property
    def in_speech(self) -> bool:
        return self._speech_start is not None

    @property
    def retained_samples(self) -> int:
        return self._buffer.end - self._buffer.start

    def push(self, samples: np.ndarray) -> list[TurnEvent]:
        """Add audio; returns the events it caused, in audio order."""
        samples = np.asarray(samples, dtype=np.float32)
        self._buffer.append(samples)
        if self.config is None or self._scorer is None:
            return []
        events: list[TurnEvent] = []
        for probability in self._scorer.push(samples):
            self._on_frame(float(probability), self.config, events)
        self._trim()
        return events

    def current_turn(self) -> Turn | None:
        """The turn so far (for partial decoding); in manual mode, everything uncommitted."""
        if self.config is None:
            return self._turn(self._buffer.start, self._buffer.end)
        if self._speech_start is None:
            return None
        return self._turn(self._turn_start, self._buffer.end)

    def commit(self) -> Turn:
        """Hand out the uncommitted audio now (manual commit), ending any turn in progress."""
        first = self._turn_start if self._speech_start is not None else self._buffer.start
        turn = self._turn(first, self._buffer.end)
        self._restart_region(self._buffer.end)
        return turn

    def clear(self) -> None:
        """Drop the uncommitted audio and any turn in progress; the clock runs on."""
        self._restart_region(self._buffer.end)

    def _restart_region(self, position: int) -> None:
        self._speech_start = None
        self._silence_start = None
        self._region_start = position
        self._idle_armed = True
        self._buffer.drop_before(position)

    def _turn(self, first: int, last: int) -> Turn:
        return Turn(samples_to_ms(first), samples_to_ms(last), self._buffer.slice(first, last))

    def _on_frame(self, probability: float, config: ServerVad, events: list[TurnEvent]) -> None:
        frame_start = self._frames * FRAME_SAMPLES
        self._frames += 1
        frame_end = frame_start + FRAME_SAMPLES
        if self._speech_start is None:
            if probability >= config.threshold:
                self._speech_start = frame_start
                padding = ms_to_samples(config.prefix_padding_ms)
                self._turn_start = max(frame_start - padding, self._region_start, 0)
                self._silence_start = None
                events.append(SpeechStarted(samples_to_ms(self._turn_start)))
            elif (
                config.idle_timeout_ms is not None
                and self._idle_armed
                and frame_end - self._region_start >= ms_to_samples(config.idle_timeout_ms)
            ):
                self._idle_armed = False
                since = samples_to_ms(self._region_start)
                events.append(IdleTimeout(since, samples_to_ms(frame_end)))
            return
        if probability >= config.threshold:
            self._silence_start = None
        elif probability < config.low_threshold and self._silence_start is None:
            self._silence_start = frame_start
        if self._silence_start is not None and frame_end - self._silence_start >= ms_to_samples(
            config.silence_duration_ms
        ):
            speech_end = self._silence_start
            audio_end = min(speech_end + ms_to_samples(config.end_padding_ms), frame_end)
            turn = self._turn(self._turn_start, audio_end)
            events.append(SpeechStopped(samples_to_ms(speech_end), samples_to_ms(frame_end), turn))
            self._speech_start = None
            self._silence_start = None
            self._region_start = audio_end
            self._idle_armed = True

    def _trim(self) -> None:
        if self._speech_start is not None or self.config is None:
            return
        # The next onset is at a frame not scored yet; keep its prefix padding.
        padding = ms_to_samples(self.config.prefix_padding_ms)
        self._buffer.drop_before(max(self._frames * FRAME_SAMPLES - padding, self._region_start))
