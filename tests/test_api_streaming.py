"""stream=true: deltas as text is decoded, one done event equal to the plain answer, [DONE]."""

from __future__ import annotations

import json
import time
import typing as t

import httpx

from tests.support.audio import GeneratedAudio
from tests.support.paths import shared_path
from tests.support.server import ServerProcess

URL = "/v1/audio/transcriptions"


def stream_events(
    client: httpx.Client, path: t.Any, url: str = URL, **fields: str
) -> tuple[list[tuple[float, bytes]], httpx.Response]:
    """Every SSE frame with the time it arrived, and the response."""
    started = time.monotonic()
    frames: list[tuple[float, bytes]] = []
    data = {"model": "whisper-1", "stream": "true", **fields}
    with (
        open(path, "rb") as handle,
        client.stream("POST", url, data=data, files={"file": (path.name, handle)}) as response,
    ):
        buffer = b""
        for chunk in response.iter_raw():
            buffer += chunk
            while b"\r\n\r\n" in buffer:
                frame, buffer = buffer.split(b"\r\n\r\n", 1)
                frames.append((time.monotonic() - started, frame))
        assert buffer == b""
    return frames, response


def payloads(frames: list[tuple[float, bytes]]) -> list[t.Any]:
    out = []
    for _, frame in frames:
        assert frame.startswith(b"data: ")
        body = frame[len(b"data: ") :]
        out.append(body.decode() if body == b"[DONE]" else json.loads(body))
    return out


def test_stream_is_deltas_then_done_then_DONE(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    frames, response = stream_events(client, english_speech.path)
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    events = payloads(frames)
    assert events[-1] == "[DONE]"
    done = events[-2]
    assert done["type"] == "transcript.text.done"
    deltas = events[:-2]
    assert deltas and all(event["type"] == "transcript.text.delta" for event in deltas)
    assert "".join(event["delta"] for event in deltas) == done["text"]
    assert done["usage"]["type"] == "tokens"


def test_done_text_equals_the_non_streamed_text(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    frames, _ = stream_events(client, english_speech.path)
    done = payloads(frames)[-2]
    with open(english_speech.path, "rb") as handle:
        plain = client.post(URL, data={"model": "whisper-1"}, files={"file": handle}).json()
    assert done["text"] == plain["text"]


def test_a_sampled_stream_gives_the_text_of_the_sampled_json_answer(
    one_worker_server: ServerProcess, english_speech: GeneratedAudio
) -> None:
    """Sampling is seeded: a temperature without the fallback samples every window, and json
    and stream, one after the other on the same worker, still agree."""
    sampled = {"temperature": "0.6"}
    with httpx.Client(base_url=one_worker_server.base_url, timeout=300) as client:
        with open(english_speech.path, "rb") as handle:
            plain = client.post(URL, data={"model": "whisper-1", **sampled}, files={"file": handle})
        frames, _ = stream_events(client, english_speech.path, **sampled)
    assert payloads(frames)[-2]["text"] == plain.json()["text"]


def test_stream_with_logprobs(client: httpx.Client, english_speech: GeneratedAudio) -> None:
    frames, _ = stream_events(client, english_speech.path, **{"include[]": "logprobs"})
    events = payloads(frames)
    deltas, done = events[:-2], events[-2]
    assert all(event["logprobs"] for event in deltas)
    per_delta = [item for event in deltas for item in event["logprobs"]]
    assert per_delta == done["logprobs"]


def test_streamed_translation(client: httpx.Client, german_speech: GeneratedAudio) -> None:
    frames, _ = stream_events(client, german_speech.path, url="/v1/audio/translations")
    events = payloads(frames)
    assert events[-1] == "[DONE]"
    assert events[-2]["type"] == "transcript.text.done"


def test_first_delta_leaves_before_the_last_window_is_decoded(client: httpx.Client) -> None:
    """On 100 s of speech (four 30 s windows) the first delta must not wait for the end."""
    path = shared_path("audio/en_long/gentle__lucier.mp3")
    frames, _ = stream_events(client, path)
    events = payloads(frames)
    first_delta_at = next(
        at
        for (at, _), e in zip(frames, events, strict=True)
        if e != "[DONE]" and e["type"] == "transcript.text.delta"
    )
    done_at = frames[-2][0]
    assert first_delta_at < 0.5 * done_at, (first_delta_at, done_at)


def test_stream_error_before_start_is_a_plain_400(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    with open(english_speech.path, "rb") as handle:
        response = client.post(
            URL,
            data={"model": "whisper-1", "stream": "true", "language": "xx"},
            files={"file": handle},
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_language_format"
