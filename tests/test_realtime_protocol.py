"""The Realtime API's transcription sessions, in process: the handshake, both dialects,
session updates, every bad client event answered with an error event (the session goes
on), limits and keys. Every event the server sends is checked against
spec/realtime.asyncapi.yaml (tests/support/realtime.py)."""

from __future__ import annotations

import math
import typing as t
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.support.audio import GeneratedAudio
from tests.support.inprocess import app_client
from tests.support.realtime import (
    COMPLETED,
    MANUAL,
    Session,
    append_event,
    g711,
    joined_deltas,
    load_samples,
    pcm16,
    silence_pcm16,
)


@pytest.fixture(scope="module")
def client(model_cache_dir: Path) -> t.Iterator[TestClient]:
    with app_client(model_cache_dir) as app:
        yield app


@pytest.fixture()
def session(client: TestClient) -> t.Iterator[Session]:
    opened = Session(client)
    assert opened.next()["type"] == "session.created"
    yield opened
    opened.close()


def error_of(session: Session) -> dict[str, t.Any]:
    event = session.next()
    assert event["type"] == "error", event
    return dict(event["error"])


def still_serves(session: Session) -> None:
    session.send(MANUAL)
    assert session.next()["type"] == "session.updated"


# -- the handshake and the session --------------------------------------------------------


def test_the_first_event_is_session_created_with_the_defaults(client: TestClient) -> None:
    opened = Session(client)
    try:
        created = opened.next()
        assert created["type"] == "session.created"
        audio_input = created["session"]["audio"]["input"]
        assert audio_input["format"] == {"type": "audio/pcm", "rate": 24000}
        assert audio_input["turn_detection"] == {
            "type": "server_vad",
            "threshold": 0.5,
            "prefix_padding_ms": 300,
            "silence_duration_ms": 500,
            "idle_timeout_ms": None,
        }
        assert audio_input["transcription"]["model"] == "whisper-1"
    finally:
        opened.close()


def test_the_beta_header_selects_the_beta_dialect(client: TestClient) -> None:
    opened = Session(client, headers={"OpenAI-Beta": "realtime=v1"})
    try:
        created = opened.next()
        assert created["type"] == "transcription_session.created"
        assert created["session"]["input_audio_format"] == "pcm16"
    finally:
        opened.close()


def test_a_beta_update_is_answered_in_beta(session: Session) -> None:
    session.send({"type": "transcription_session.update", "session": {
        "input_audio_format": "g711_ulaw",
        "input_audio_transcription": {"model": "tiny.en", "language": "en"},
        "turn_detection": None,
    }})  # fmt: skip
    updated = session.next()
    assert updated["type"] == "transcription_session.updated"
    assert updated["session"]["input_audio_format"] == "g711_ulaw"
    assert updated["session"]["input_audio_transcription"]["model"] == "tiny.en"
    assert updated["session"]["turn_detection"] is None


def test_session_update_echoes_the_effective_configuration(session: Session) -> None:
    session.send({"type": "session.update", "session": {"type": "transcription",
        "audio": {"input": {"format": {"type": "audio/pcma"},
                            "transcription": {"model": "whisper-1", "prompt": "Names: Ada."},
                            "turn_detection": {"type": "server_vad", "silence_duration_ms": 800}}},
        "include": ["item.input_audio_transcription.logprobs"]}})  # fmt: skip
    session_body = session.next()["session"]
    audio_input = session_body["audio"]["input"]
    assert audio_input["format"] == {"type": "audio/pcma"}
    assert audio_input["transcription"]["prompt"] == "Names: Ada."
    assert audio_input["turn_detection"]["silence_duration_ms"] == 800
    assert audio_input["turn_detection"]["threshold"] == 0.5
    assert session_body["include"] == ["item.input_audio_transcription.logprobs"]


def test_a_subprotocol_is_accepted_as_browsers_offer_it(client: TestClient) -> None:
    opened = Session(client, subprotocols=["realtime"])
    try:
        assert opened.websocket.accepted_subprotocol == "realtime"
        assert opened.next()["type"] == "session.created"
    finally:
        opened.close()


# -- bad client events ---------------------------------------------------------------------


def test_invalid_json_is_an_error_and_the_session_goes_on(session: Session) -> None:
    session.websocket.send_text("{not json")
    assert error_of(session)["code"] == "invalid_json"
    still_serves(session)


def test_an_unknown_event_type_names_the_supported_ones(session: Session) -> None:
    session.send({"type": "response.create", "event_id": "evt_1"})
    error = error_of(session)
    assert (error["code"], error["param"], error["event_id"]) == (
        "invalid_value", "type", "evt_1"
    )  # fmt: skip
    assert "'input_audio_buffer.append'" in error["message"]
    still_serves(session)


def test_a_missing_type_is_an_error(session: Session) -> None:
    session.send({"audio": ""})
    assert error_of(session)["code"] == "invalid_event"


def test_an_unknown_session_field_is_unknown_parameter(session: Session) -> None:
    session.send({"type": "session.update", "session": {"type": "transcription", "bogus": 1}})
    error = error_of(session)
    assert (error["code"], error["param"]) == ("unknown_parameter", "session.bogus")
    assert error["message"] == "Unknown parameter: 'session.bogus'."


def test_a_field_of_the_wrong_type_is_invalid_type(session: Session) -> None:
    session.send({"type": "session.update", "session": {"type": "transcription", "audio": {
        "input": {"turn_detection": {"type": "server_vad", "threshold": "high"}}}}})  # fmt: skip
    error = error_of(session)
    assert error["code"] == "invalid_type"
    assert error["param"] == "session.audio.input.turn_detection.threshold"


def test_an_unsupported_format_is_an_error(session: Session) -> None:
    pcm_16k = {"type": "audio/pcm", "rate": 16000}
    session.send({"type": "session.update", "session": {"type": "transcription",
                  "audio": {"input": {"format": pcm_16k}}}})  # fmt: skip
    error = error_of(session)
    assert error["param"] == "session.audio.input.format.rate"
    still_serves(session)


def test_an_unknown_model_is_model_not_found(session: Session) -> None:
    session.send({"type": "session.update", "session": {"type": "transcription",
                  "audio": {"input": {"transcription": {"model": "whisper-9000"}}}}})  # fmt: skip
    error = error_of(session)
    assert (error["code"], error["param"]) == ("model_not_found", "model")
    still_serves(session)


def test_semantic_vad_is_refused_clearly(session: Session) -> None:
    session.send({"type": "session.update", "session": {"type": "transcription",
                  "audio": {"input": {"turn_detection": {"type": "semantic_vad"}}}}})  # fmt: skip
    error = error_of(session)
    assert error["param"] == "session.audio.input.turn_detection.type"


def test_bad_base64_is_an_error(session: Session) -> None:
    session.send({"type": "input_audio_buffer.append", "audio": "not base64!"})
    error = error_of(session)
    assert (error["code"], error["param"]) == ("invalid_value", "audio")
    still_serves(session)


def test_a_binary_frame_is_an_error(session: Session) -> None:
    session.websocket.send_bytes(b"\x00\x01")
    assert error_of(session)["code"] == "invalid_event"
    still_serves(session)


def test_an_empty_commit_is_an_error(session: Session) -> None:
    session.send(MANUAL)
    session.next()
    session.send({"type": "input_audio_buffer.commit"})
    error = error_of(session)
    assert error["code"] == "input_audio_buffer_commit_empty"
    assert "buffer only has 0.00ms of audio" in error["message"]


def test_a_commit_under_100_ms_is_an_error(session: Session) -> None:
    session.send(MANUAL)
    session.next()
    session.send(append_event(silence_pcm16(0.05)))
    session.send({"type": "input_audio_buffer.commit"})
    assert "50.00ms" in error_of(session)["message"]


def test_clear_is_answered_cleared(session: Session) -> None:
    session.send(append_event(silence_pcm16(0.5)))
    session.send({"type": "input_audio_buffer.clear"})
    assert session.next()["type"] == "input_audio_buffer.cleared"


def test_an_unknown_item_cannot_be_retrieved(session: Session) -> None:
    session.send({"type": "conversation.item.retrieve", "item_id": "item_nope"})
    assert error_of(session)["code"] == "item_not_found"


# -- limits and keys ------------------------------------------------------------------------


def test_an_oversize_append_is_refused(model_cache_dir: Path) -> None:
    with app_client(model_cache_dir, live_max_append_bytes=1000) as app:
        opened = Session(app)
        try:
            opened.next()
            opened.send(append_event(b"\0" * 2000))
            assert error_of(opened)["param"] == "audio"
            opened.send(append_event(b"\0" * 800))  # within the limit: accepted silently
            opened.send({"type": "input_audio_buffer.clear"})
            assert opened.next()["type"] == "input_audio_buffer.cleared"
        finally:
            opened.close()


def test_sessions_over_the_limit_get_an_error_then_close(model_cache_dir: Path) -> None:
    with app_client(model_cache_dir, max_live_sessions=1) as app:
        first = Session(app)
        try:
            assert first.next()["type"] == "session.created"
            second = Session(app)
            error = error_of(second)
            assert error["code"] == "session_limit_reached"
            assert second.closed() == 1013
            second.close()
            assert app.get("/health").status_code == 200  # HTTP is still served
        finally:
            first.close()


def test_an_idle_session_is_closed(model_cache_dir: Path) -> None:
    with app_client(model_cache_dir, live_idle_timeout=0.5) as app:
        opened = Session(app)
        opened.next()
        assert error_of(opened)["code"] == "session_idle_timeout"
        assert opened.closed() == 4000
        opened.close()


def test_a_refused_key_is_an_error_and_close_3000(model_cache_dir: Path) -> None:
    with app_client(model_cache_dir, api_key="sk-live-0123456789") as app:
        opened = Session(app, headers={"Authorization": "Bearer sk-wrong-00000000"})
        assert error_of(opened)["code"] == "invalid_api_key"
        assert opened.closed() == 3000
        opened.close()


@pytest.mark.parametrize(
    "connect",
    [
        {"headers": {"Authorization": "Bearer sk-live-0123456789"}},
        {"subprotocols": ["realtime", "openai-insecure-api-key.sk-live-0123456789"]},
    ],
)
def test_a_good_key_is_accepted_in_either_form(
    model_cache_dir: Path, connect: dict[str, t.Any]
) -> None:
    with app_client(model_cache_dir, api_key="sk-live-0123456789") as app:
        opened = Session(app, **connect)
        try:
            assert opened.next()["type"] == "session.created"
        finally:
            opened.close()


# -- transcription -------------------------------------------------------------------------


def test_a_manual_commit_is_transcribed_and_its_deltas_join_to_the_transcript(
    session: Session, english_speech: GeneratedAudio
) -> None:
    session.send(MANUAL)
    session.next()
    samples = load_samples(english_speech.path)
    session.send_audio(pcm16(samples))
    session.send({"type": "input_audio_buffer.commit"})
    events = session.until(COMPLETED)
    kinds = [event["type"] for event in events]
    committed = next(event for event in events if event["type"] == "input_audio_buffer.committed")
    assert committed["previous_item_id"] is None
    assert kinds.index("input_audio_buffer.committed") < kinds.index("conversation.item.added")
    assert kinds.index("conversation.item.added") < kinds.index("conversation.item.done")
    completed = events[-1]
    assert completed["item_id"] == committed["item_id"]
    assert joined_deltas(events, completed["item_id"]) == completed["transcript"]
    assert "transcription server" in completed["transcript"].lower()
    assert completed["usage"] == {"type": "duration", "seconds": math.ceil(len(samples) / 16000)}


def test_g711_mu_law_input_is_transcribed(session: Session, english_speech: GeneratedAudio) -> None:
    mu_law = {"format": {"type": "audio/pcmu"}, "turn_detection": None}
    session.send({"type": "session.update", "session": {"type": "transcription",
                  "audio": {"input": mu_law}}})  # fmt: skip
    session.next()
    audio = g711(load_samples(english_speech.path), "pcm_mulaw")
    session.send_audio(audio, rate=8000, chunk_seconds=0.2)
    session.send({"type": "input_audio_buffer.commit"})
    completed = session.until(COMPLETED)[-1]
    assert "transcription server" in completed["transcript"].lower()


def test_server_vad_finds_the_turns_on_the_audio_clock(
    session: Session, english_speech: GeneratedAudio
) -> None:
    speech = pcm16(load_samples(english_speech.path))
    lead, gap = silence_pcm16(1.0), silence_pcm16(1.5)
    session.send_audio(lead + speech + gap + speech + gap)
    first = session.until(COMPLETED)
    second = session.until(COMPLETED)
    starts = [e for e in first + second if e["type"] == "input_audio_buffer.speech_started"]
    stops = [e for e in first + second if e["type"] == "input_audio_buffer.speech_stopped"]
    assert len(starts) == 2 and len(stops) == 2
    speech_ms = len(speech) // 48  # 24 kHz, 2 bytes a sample
    # Onsets lie where the audio put them, less the 300 ms prefix padding, on one clock.
    assert 1000 - 300 - 100 <= starts[0]["audio_start_ms"] <= 1000
    second_onset = 1000 + speech_ms + 1500
    assert second_onset - 300 - 150 <= starts[1]["audio_start_ms"] <= second_onset
    assert stops[0]["audio_end_ms"] <= 1000 + speech_ms + 100
    completed = [e for e in first + second if e["type"] == COMPLETED]
    committed = [e for e in first + second if e["type"] == "input_audio_buffer.committed"]
    assert committed[1]["previous_item_id"] == committed[0]["item_id"]
    for event in completed:
        assert "transcription server" in event["transcript"].lower()
        assert joined_deltas(first + second, event["item_id"]) == event["transcript"]


def test_a_completed_item_can_be_retrieved_and_deleted(
    session: Session, english_speech: GeneratedAudio
) -> None:
    session.send(MANUAL)
    session.next()
    session.send_audio(pcm16(load_samples(english_speech.path)))
    session.send({"type": "input_audio_buffer.commit"})
    completed = session.until(COMPLETED)[-1]
    session.send({"type": "conversation.item.retrieve", "item_id": completed["item_id"]})
    retrieved = session.next()
    assert retrieved["item"]["content"][0]["transcript"] == completed["transcript"]
    session.send({"type": "conversation.item.delete", "item_id": completed["item_id"]})
    assert session.next()["type"] == "conversation.item.deleted"


def test_appends_are_never_acknowledged(session: Session) -> None:
    session.send(append_event(silence_pcm16(0.2)))
    session.send({"type": "input_audio_buffer.clear"})
    assert session.next()["type"] == "input_audio_buffer.cleared"
