"""server_vad turn detection, driven by scripted speech probabilities on the audio clock."""

from __future__ import annotations

import av
import numpy as np
import pytest
from faster_whisper.audio import decode_audio
from whisperd.engine.audio import SAMPLE_RATE
from whisperd.live.pcm import PcmDecoder, openai_format
from whisperd.live.turns import (
    IdleTimeout,
    ServerVad,
    SpeechStarted,
    SpeechStopped,
    TurnDetector,
    TurnEvent,
)
from whisperd.live.vad import FRAME_SAMPLES

from tests.support.paths import shared_path

FRAME_MS = 32  # 512 samples at 16 kHz


class ScriptedScorer:
    """Stands in for Silero: the probability of frame i is script[i] (0 past its end)."""

    def __init__(self, script: list[float]) -> None:
        self.script = script
        self.pending = 0
        self.frames = 0

    def push(self, samples: np.ndarray) -> np.ndarray:
        self.pending += len(samples)
        count = self.pending // FRAME_SAMPLES
        self.pending -= count * FRAME_SAMPLES
        out = [
            self.script[i] if i < len(self.script) else 0.0
            for i in range(self.frames, self.frames + count)
        ]
        self.frames += count
        return np.array(out, dtype=np.float32)


def _ramp(frames: int) -> np.ndarray:
    """Samples equal to their own index, so any slice tells where it came from."""
    return np.arange(frames * FRAME_SAMPLES, dtype=np.float32)


DEFAULTS = ServerVad()


def _run(
    script: list[float], config: ServerVad = DEFAULTS, chunk: int = 320, extra_frames: int = 0
) -> tuple[TurnDetector, list[TurnEvent], np.ndarray]:
    detector = TurnDetector(config, ScriptedScorer(script))
    audio = _ramp(len(script) + extra_frames)
    events: list[TurnEvent] = []
    for position in range(0, len(audio), chunk):
        events.extend(detector.push(audio[position : position + chunk]))
    return detector, events, audio


def test_speech_start_is_the_onset_minus_the_prefix_padding() -> None:
    _, events, _ = _run([0.0] * 20 + [0.9] * 5)
    assert events == [SpeechStarted(20 * FRAME_MS - 300)]


def test_prefix_padding_is_clamped_to_the_session_start() -> None:
    _, events, _ = _run([0.0] * 3 + [0.9] * 5)
    assert events == [SpeechStarted(0)]


def test_speech_stops_after_the_silence_duration() -> None:
    _, events, audio = _run([0.0] * 20 + [0.9] * 30 + [0.0] * 40)
    _, stopped = events
    assert isinstance(stopped, SpeechStopped)
    assert stopped.audio_end_ms == 50 * FRAME_MS
    # 500 ms of silence is complete at the end of the 16th silent 32 ms frame.
    assert stopped.detected_ms == 66 * FRAME_MS
    turn = stopped.turn
    assert (turn.audio_start_ms, turn.audio_end_ms) == (20 * FRAME_MS - 300, 50 * FRAME_MS)
    np.testing.assert_array_equal(
        turn.samples, audio[(20 * FRAME_MS - 300) * 16 : 50 * FRAME_MS * 16]
    )


def test_silence_shorter_than_the_duration_does_not_end_the_turn() -> None:
    _, events, _ = _run([0.0] * 5 + [0.9] * 10 + [0.0] * 15 + [0.9] * 10)
    assert [type(e) for e in events] == [SpeechStarted]


def test_hysteresis_between_the_thresholds() -> None:
    # 0.4 is below threshold 0.5 but above neg_threshold 0.35: it neither starts a turn
    # nor starts the silence that ends one.
    _, events, _ = _run([0.4] * 30 + [0.9] * 5 + [0.4] * 40)
    assert events == [SpeechStarted(30 * FRAME_MS - 300)]


def test_frames_between_thresholds_do_not_reset_a_running_silence() -> None:
    script = [0.0] * 10 + [0.9] * 10 + [0.1] * 8 + [0.4] * 8 + [0.0] * 4
    _, events, _ = _run(script)
    stopped = events[-1]
    assert isinstance(stopped, SpeechStopped)
    assert stopped.audio_end_ms == 20 * FRAME_MS


def test_the_next_turn_does_not_reach_back_into_the_previous_one() -> None:
    script = [0.0] * 10 + [0.9] * 10 + [0.0] * 17 + [0.9] * 5
    _, events, _ = _run(script, ServerVad(prefix_padding_ms=800))
    first_stop, second_start = events[1], events[2]
    assert isinstance(first_stop, SpeechStopped) and isinstance(second_start, SpeechStarted)
    assert second_start.audio_start_ms == first_stop.turn.audio_end_ms == 20 * FRAME_MS


def test_idle_timeout_fires_once_after_the_last_turn() -> None:
    config = ServerVad(idle_timeout_ms=1000)
    script = [0.0] * 5 + [0.9] * 10 + [0.0] * 80
    _, events, _ = _run(script, config)
    idle = [e for e in events if isinstance(e, IdleTimeout)]
    # 1000 ms after the end of speech at frame 15 is reached at the end of frame 46.
    assert idle == [IdleTimeout(15 * FRAME_MS, 47 * FRAME_MS)]


def test_idle_timeout_is_rearmed_by_the_next_turn() -> None:
    config = ServerVad(idle_timeout_ms=640)
    script = ([0.0] * 5 + [0.9] * 10 + [0.0] * 40) * 2
    _, events, _ = _run(script, config)
    assert [type(e) for e in events] == [SpeechStarted, SpeechStopped, IdleTimeout] * 2


def test_no_idle_timeout_by_default() -> None:
    _, events, _ = _run([0.0] * 5 + [0.9] * 10 + [0.0] * 500)
    assert not any(isinstance(e, IdleTimeout) for e in events)


def test_current_turn_grows_while_speaking() -> None:
    detector = TurnDetector(ServerVad(), ScriptedScorer([0.0] * 20 + [0.9] * 40))
    audio = _ramp(60)
    assert detector.push(audio[: 25 * FRAME_SAMPLES]) == [SpeechStarted(340)]
    first = detector.current_turn()
    detector.push(audio[25 * FRAME_SAMPLES : 45 * FRAME_SAMPLES])
    second = detector.current_turn()
    assert first is not None and second is not None
    assert (first.audio_start_ms, first.audio_end_ms) == (340, 25 * FRAME_MS)
    assert (second.audio_start_ms, second.audio_end_ms) == (340, 45 * FRAME_MS)
    np.testing.assert_array_equal(second.samples, audio[340 * 16 : 45 * FRAME_SAMPLES])


def test_no_current_turn_outside_speech() -> None:
    detector, _, _ = _run([0.0] * 30)
    assert detector.current_turn() is None


def test_retained_audio_stays_bounded_in_silence() -> None:
    detector, _, _ = _run([0.0] * 2000)  # 64 s
    assert detector.retained_samples <= 300 * 16 + FRAME_SAMPLES + 320


def test_retained_audio_is_released_after_a_turn() -> None:
    detector, events, _ = _run([0.0] * 10 + [0.9] * 300 + [0.0] * 100)
    assert isinstance(events[-1], SpeechStopped)
    assert detector.retained_samples <= 300 * 16 + FRAME_SAMPLES + 320


def test_manual_mode_emits_nothing_and_commits_everything() -> None:
    detector = TurnDetector(None)
    audio = _ramp(50)
    assert detector.push(audio) == []
    turn = detector.commit()
    assert (turn.audio_start_ms, turn.audio_end_ms) == (0, 50 * FRAME_MS)
    np.testing.assert_array_equal(turn.samples, audio)
    detector.push(audio[:FRAME_SAMPLES])
    assert detector.commit().audio_start_ms == 50 * FRAME_MS


def test_clear_drops_the_uncommitted_audio_but_keeps_the_clock() -> None:
    detector = TurnDetector(None)
    detector.push(_ramp(10))
    detector.clear()
    detector.push(_ramp(5))
    turn = detector.commit()
    assert (turn.audio_start_ms, turn.audio_end_ms) == (10 * FRAME_MS, 15 * FRAME_MS)


def test_clear_ends_a_turn_in_progress_and_speech_after_it_starts_anew() -> None:
    detector = TurnDetector(ServerVad(), ScriptedScorer([0.0] * 10 + [0.9] * 10 + [0.0] * 30))
    audio = _ramp(50)
    detector.push(audio[: 15 * FRAME_SAMPLES])
    assert detector.in_speech
    detector.clear()
    assert not detector.in_speech
    events = detector.push(audio[15 * FRAME_SAMPLES :])
    assert events[0] == SpeechStarted(15 * FRAME_MS)  # the padding stops at the clear
    stopped = events[1]
    assert isinstance(stopped, SpeechStopped)
    np.testing.assert_array_equal(
        stopped.turn.samples, audio[15 * FRAME_SAMPLES : 20 * FRAME_SAMPLES]
    )


def test_manual_commit_during_a_turn_hands_out_the_turn_so_far() -> None:
    detector = TurnDetector(ServerVad(), ScriptedScorer([0.0] * 20 + [0.9] * 20))
    detector.push(_ramp(30))
    turn = detector.commit()
    assert (turn.audio_start_ms, turn.audio_end_ms) == (340, 30 * FRAME_MS)
    assert not detector.in_speech


def test_twenty_turns_have_no_drift() -> None:
    rng = np.random.default_rng(11)
    script: list[float] = []
    expected: list[tuple[int, int]] = []
    for _ in range(20):
        silence = int(rng.integers(17, 60))
        speech = int(rng.integers(3, 200))
        onset = len(script) + silence
        script += [float(rng.uniform(0.0, 0.3))] * silence + [
            float(rng.uniform(0.55, 1.0))
        ] * speech
        expected.append((onset * FRAME_MS, (onset + speech) * FRAME_MS))
    script += [0.0] * 20
    detector = TurnDetector(ServerVad(), ScriptedScorer(script))
    audio = np.zeros(len(script) * FRAME_SAMPLES, dtype=np.float32)
    events: list[TurnEvent] = []
    position = 0
    while position < len(audio):  # chunks of 1 to 100 ms, like a real client
        size = int(rng.integers(16, 1600))
        events.extend(detector.push(audio[position : position + size]))
        position += size
    starts = [e.audio_start_ms for e in events if isinstance(e, SpeechStarted)]
    stops = [e for e in events if isinstance(e, SpeechStopped)]
    assert starts == [onset - 300 for onset, _ in expected]
    assert [s.audio_end_ms for s in stops] == [end for _, end in expected]
    assert [len(s.turn.samples) for s in stops] == [
        (end - onset + 300) * 16 for onset, end in expected
    ]
    assert detector.audio_ms == len(script) * FRAME_MS


def test_end_padding_extends_the_committed_audio() -> None:
    _, events, _ = _run([0.0] * 20 + [0.9] * 30 + [0.0] * 40, ServerVad(end_padding_ms=200))
    stopped = events[-1]
    assert isinstance(stopped, SpeechStopped)
    assert stopped.audio_end_ms == 50 * FRAME_MS
    assert stopped.turn.audio_end_ms == 50 * FRAME_MS + 200


@pytest.mark.parametrize(
    "bad",
    [
        {"threshold": 1.5},
        {"prefix_padding_ms": -1},
        {"silence_duration_ms": -5},
        {"idle_timeout_ms": 0},
    ],
)
def test_rejects_impossible_parameters(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ServerVad(**bad)  # type: ignore[arg-type]


def test_recorded_speech_through_decoder_and_silero_gives_turns_on_the_audio_clock() -> None:
    audio = decode_audio(str(shared_path("audio/en_read/whisper.cpp__jfk.wav")))
    silence = np.zeros(SAMPLE_RATE, dtype=np.float32)
    audio = np.concatenate([silence, audio, silence])
    # As a Realtime client sends it: pcm16 at 24 kHz in 40 ms chunks.
    decoder = PcmDecoder(openai_format("audio/pcm"))
    detector = TurnDetector(ServerVad())
    payload = resample_to_pcm16(audio, 24_000)
    events: list[TurnEvent] = []
    for position in range(0, len(payload), 1920):
        events.extend(detector.push(decoder.push(payload[position : position + 1920])))
    events.extend(detector.push(decoder.flush()))
    stops = [e for e in events if isinstance(e, SpeechStopped)]
    starts = [e for e in events if isinstance(e, SpeechStarted)]
    assert len(stops) >= 1 and len(starts) == len(stops)
    assert 700 <= starts[0].audio_start_ms <= 1300  # speech begins after the added second
    assert stops[-1].audio_end_ms <= len(audio) * 1000 // SAMPLE_RATE - 500
    for start, stop in zip(starts, stops, strict=True):
        assert start.audio_start_ms == stop.turn.audio_start_ms
        assert len(stop.turn.samples) == (stop.turn.audio_end_ms - start.audio_start_ms) * 16


def resample_to_pcm16(audio: np.ndarray, rate: int) -> bytes:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
    frame = av.AudioFrame.from_ndarray(audio.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = SAMPLE_RATE
    frames = [*resampler.resample(frame), *resampler.resample(None)]
    return b"".join(bytes(f.to_ndarray().astype("<i2").tobytes()) for f in frames)
