"""A multipart fuzzer: malformed boundaries, broken part headers, wrong part types, huge and
binary field values, truncated bodies. Whatever arrives, the server answers a 4xx in
OpenAI's envelope, never a 5xx, and keeps serving.

Hypothesis drives it with a fixed seed (``derandomize``) so CI runs are repeatable;
``WHISPERD_FUZZ_EXAMPLES`` raises the example count for longer runs.
"""

from __future__ import annotations

import os
import typing as t

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.audio import GeneratedAudio

EXAMPLES = int(os.environ.get("WHISPERD_FUZZ_EXAMPLES", "120"))
FIELD_NAMES = [
    "model", "file", "language", "prompt", "response_format", "temperature", "stream",
    "timestamp_granularities[]", "include[]", "chunking_strategy", "chunking_strategy[type]",
    "chunking_strategy[threshold]", "languages[]", "keywords[]", "beam_size", "vad_filter",
    "hotwords", "known_speaker_names[]", "", "file[]", "model\x00", "ünïcode",
]  # fmt: skip
FIELD_VALUES = [
    "whisper-1", "json", "verbose_json", "srt", "diarized_json", "true", "false", "0", "-1",
    "1e309", "nan", "word", "segment", "logprobs", "auto", '{"type":"server_vad"}', "{",
    "en", "xx", "", " ", "\x00", "tiny.en", "../../etc/passwd",
]  # fmt: skip


@st.composite
def parts(draw: st.DrawFn, audio: bytes) -> bytes:
    boundary = draw(st.sampled_from(["b", "----x", "a" * 70, "weird boundary", "é"]))
    chunks: list[bytes] = []
    for _ in range(draw(st.integers(0, 6))):
        name = draw(st.sampled_from(FIELD_NAMES))
        kind = draw(st.sampled_from(["field", "file", "no-disposition", "bad-header", "huge"]))
        if kind == "field":
            value = draw(st.one_of(st.sampled_from(FIELD_VALUES), st.text(max_size=40)))
            header = f'Content-Disposition: form-data; name="{name}"'
            body = value.encode("utf-8", "surrogatepass")
        elif kind == "file":
            filename = draw(st.sampled_from(["a.wav", "", "../x", "C:\\a\\b.mp3", "x\r\ny"]))
            content_type = draw(
                st.sampled_from(["", "audio/wav", "application/octet-stream", "text/plain"])
            )
            header = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'
            if content_type:
                header += f"\r\nContent-Type: {content_type}"
            body = draw(st.sampled_from([audio, audio[: len(audio) // 3], b"", b"RIFF\x00\x00"]))
        elif kind == "no-disposition":
            header, body = "Content-Type: text/plain", b"orphan"
        elif kind == "bad-header":
            header, body = draw(st.sampled_from(["Content-Disposition", ":::", "X" * 9000])), b"x"
        else:
            header = f'Content-Disposition: form-data; name="{name}"'
            body = b"A" * draw(st.sampled_from([2 * 1024 * 1024, 900 * 1024]))
        chunks.append(f"--{boundary}\r\n{header}\r\n\r\n".encode() + body + b"\r\n")
    ending = draw(st.sampled_from([f"--{boundary}--\r\n", "", f"--{boundary}", "--other--\r\n"]))
    payload = b"".join(chunks) + ending.encode()
    if draw(st.booleans()):
        payload = payload[: draw(st.integers(0, len(payload)))]
    return payload


@st.composite
def requests(draw: st.DrawFn, audio: bytes) -> tuple[dict[str, str], bytes]:
    body = draw(parts(audio))
    content_type = draw(
        st.sampled_from(
            [
                "multipart/form-data; boundary=b",
                "multipart/form-data; boundary=----x",
                'multipart/form-data; boundary="b"',
                "multipart/form-data",
                "multipart/form-data; boundary=",
                "multipart/mixed; boundary=b",
                "text/plain",
            ]
        )
    )
    return {"Content-Type": content_type}, body


@pytest.fixture(scope="module")
def short_audio(english_speech: GeneratedAudio) -> bytes:
    return english_speech.path.read_bytes()[:64000]  # 2 s: keeps accepted requests quick


@pytest.mark.parametrize("path", ["/v1/audio/transcriptions", "/v1/audio/translations"])
def test_malformed_multipart_never_gets_a_5xx(base_url: str, short_audio: bytes, path: str) -> None:
    seen: dict[int, int] = {}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=requests(short_audio))
    def check(request: tuple[dict[str, str], bytes]) -> None:
        headers, body = request
        response = httpx.post(f"{base_url}{path}", content=body, headers=headers, timeout=120)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert response.status_code < 500, (response.status_code, response.text, body[:300])
        if response.status_code >= 400:
            error: dict[str, t.Any] = response.json()["error"]
            assert set(error) == {"message", "type", "param", "code"}

    check()
    print(f"{path}: statuses {dict(sorted(seen.items()))}")
    assert httpx.get(f"{base_url}/health").status_code == 200
