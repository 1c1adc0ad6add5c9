"""A transcription session's configuration, as both dialects write it.

One :class:`SessionConfig` holds what the session does; :func:`apply_ga` and
:func:`apply_beta` change it from a (spec-validated) ``session.update`` or
``transcription_session.update`` (only the fields present change, null clears), and
:func:`ga_session` / :func:`beta_session` write the full effective configuration that
``session.created``/``updated`` (and the beta events) carry.
"""

from __future__ import annotations

import time
import typing as t
from dataclasses import dataclass, field, replace

from whisperd.errors import ApiError

AudioFormat = t.Literal["audio/pcm", "audio/pcmu", "audio/pcma"]
NoiseReduction = t.Literal["near_field", "far_field"]
PCM_RATE = 24_000
LOGPROBS_INCLUDE = "item.input_audio_transcription.logprobs"
BETA_FORMATS: dict[str, AudioFormat] = {
    "pcm16": "audio/pcm",
    "g711_ulaw": "audio/pcmu",
    "g711_alaw": "audio/pcma",
}


@dataclass(frozen=True)
class TurnDetection:
    """``server_vad`` with OpenAI's defaults."""

    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500
    idle_timeout_ms: int | None = None


@dataclass(frozen=True)
class Transcription:
    model: str = "whisper-1"
    language: str | None = None
    prompt: str | None = None


@dataclass(frozen=True)
class SessionConfig:
    id: str
    expires_at: int
    format: AudioFormat = "audio/pcm"
    transcription: Transcription | None = field(default_factory=Transcription)
    turn_detection: TurnDetection | None = field(default_factory=TurnDetection)
    noise_reduction: NoiseReduction | None = None  # accepted and echoed; not applied
    logprobs: bool = False

    @classmethod
    def new(cls, session_id: str, model: str | None, lifetime: float) -> SessionConfig:
        return cls(
            id=session_id,
            expires_at=int(time.time() + lifetime),
            transcription=Transcription(model=model or "whisper-1"),
        )


def _unsupported(message: str, param: str) -> ApiError:
    return ApiError(400, message, param=param, code="invalid_value")


def apply_ga(config: SessionConfig, session: dict[str, t.Any]) -> SessionConfig:
    changes: dict[str, t.Any] = {}
    audio_input = session.get("audio", {}).get("input", {})
    if "format" in audio_input:
        changes["format"] = audio_input["format"].get("type", "audio/pcm")
    if "transcription" in audio_input:
        changes["transcription"] = _transcription(
            audio_input["transcription"], config, "session.audio.input.transcription"
        )
    if "turn_detection" in audio_input:
        changes["turn_detection"] = _turn_detection(
            audio_input["turn_detection"], "session.audio.input.turn_detection"
        )
    if "noise_reduction" in audio_input:
        reduction = audio_input["noise_reduction"]
        changes["noise_reduction"] = reduction.get("type") if reduction else None
    if "include" in session:
        changes["logprobs"] = LOGPROBS_INCLUDE in (session["include"] or [])
    return replace(config, **changes)


def apply_beta(config: SessionConfig, session: dict[str, t.Any]) -> SessionConfig:
    changes: dict[str, t.Any] = {}
    if "input_audio_format" in session:
        changes["format"] = BETA_FORMATS[session["input_audio_format"]]
    if "input_audio_transcription" in session:
        changes["transcription"] = _transcription(
            session["input_audio_transcription"], config, "session.input_audio_transcription"
        )
    if "turn_detection" in session:
        changes["turn_detection"] = _turn_detection(
            session["turn_detection"], "session.turn_detection"
        )
    if "input_audio_noise_reduction" in session:
        reduction = session["input_audio_noise_reduction"]
        changes["noise_reduction"] = reduction.get("type") if reduction else None
    if "include" in session:
        changes["logprobs"] = LOGPROBS_INCLUDE in (session["include"] or [])
    return replace(config, **changes)


def _transcription(
    value: dict[str, t.Any] | None, config: SessionConfig, param: str
) -> Transcription | None:
    if value is None:
        return None
    current = config.transcription or Transcription()
    language = value.get("language", current.language)
    languages = value.get("languages")
    if language is None and languages and len(languages) == 1:
        language = languages[0]
    prompt = value.get("prompt", current.prompt)
    keywords = value.get("keywords") or []
    if keywords:  # no prompt field of its own in Whisper: the spellings go in the prompt
        prompt = ", ".join([*([prompt] if prompt else []), *keywords])
    return Transcription(
        model=value.get("model") or current.model, language=language or None, prompt=prompt or None
    )


def _turn_detection(value: dict[str, t.Any] | None, param: str) -> TurnDetection | None:
    if value is None:
        return None
    if value.get("type", "server_vad") != "server_vad":
        raise _unsupported(
            f"Invalid value: '{value.get('type')}'. This server supports turn detection "
            "'server_vad' (or null for manual commits).",
            f"{param}.type",
        )
    defaults = TurnDetection()
    return TurnDetection(
        threshold=float(value.get("threshold", defaults.threshold)),
        prefix_padding_ms=int(value.get("prefix_padding_ms", defaults.prefix_padding_ms)),
        silence_duration_ms=int(value.get("silence_duration_ms", defaults.silence_duration_ms)),
        idle_timeout_ms=value.get("idle_timeout_ms"),
    )


def _vad_body(turn: TurnDetection | None, *, ga: bool) -> dict[str, t.Any] | None:
    if turn is None:
        return None
    body: dict[str, t.Any] = {
        "type": "server_vad",
        "threshold": turn.threshold,
        "prefix_padding_ms": turn.prefix_padding_ms,
        "silence_duration_ms": turn.silence_duration_ms,
    }
    if ga:
        body["idle_timeout_ms"] = turn.idle_timeout_ms
    return body


def _transcription_body(value: Transcription | None) -> dict[str, t.Any] | None:
    if value is None:
        return None
    return {"model": value.model, "language": value.language, "prompt": value.prompt}


def _include(config: SessionConfig) -> list[str] | None:
    return [LOGPROBS_INCLUDE] if config.logprobs else None


def ga_session(config: SessionConfig) -> dict[str, t.Any]:
    audio_format: dict[str, t.Any] = {"type": config.format}
    if config.format == "audio/pcm":
        audio_format["rate"] = PCM_RATE
    reduction = {"type": config.noise_reduction} if config.noise_reduction else None
    return {
        "type": "transcription",
        "object": "realtime.transcription_session",
        "id": config.id,
        "expires_at": config.expires_at,
        "audio": {
            "input": {
                "format": audio_format,
                "transcription": _transcription_body(config.transcription),
                "noise_reduction": reduction,
                "turn_detection": _vad_body(config.turn_detection, ga=True),
            }
        },
        "include": _include(config),
    }


def beta_session(config: SessionConfig) -> dict[str, t.Any]:
    beta_format = next(name for name, value in BETA_FORMATS.items() if value == config.format)
    reduction = {"type": config.noise_reduction} if config.noise_reduction else None
    return {
        "id": config.id,
        "object": "realtime.transcription_session",
        "expires_at": config.expires_at,
        "modalities": ["text"],
        "input_audio_format": beta_format,
        "input_audio_transcription": _transcription_body(config.transcription),
        "turn_detection": _vad_body(config.turn_detection, ga=False),
        "input_audio_noise_reduction": reduction,
        "include": _include(config),
        "client_secret": None,
    }
